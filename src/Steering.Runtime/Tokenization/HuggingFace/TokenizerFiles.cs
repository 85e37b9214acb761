using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;

namespace Steering.Tokenization.HuggingFace;

/// <summary>Builds <see cref="TokenizerPipeline"/>s from Hugging Face's files: <c>tokenizer.json</c>, or GPT-2's <c>vocab.json</c> + <c>merges.txt</c>.</summary>
internal static class TokenizerFiles
{
    /// <summary>Reads a fast-tokenizer file.</summary>
    /// <exception cref="CheckpointException">Malformed JSON (line and byte), an unsupported component (named), or inconsistent contents.</exception>
    public static TokenizerPipeline ReadTokenizerJson(string path)
    {
        using var document = JsonNode.ParseFile(path, out var root);
        var modelNode = root.Required("model");
        var modelType = modelNode.String("type") ?? (modelNode.Optional("merges") is not null ? "BPE" : "unknown");
        if (modelType != "BPE")
            throw modelNode.Error($"model type \"{modelType}\" is not supported (supported: BPE)");
        var model = BytePairModel.Read(modelNode);

        var normalizer = root.Optional("normalizer") is { } normalizerNode ? Normalizers.Read(normalizerNode) : null;
        var preTokenizerNode = root.Optional("pre_tokenizer");
        var preTokenizer = preTokenizerNode is { } p ? PreTokenizers.Read(p) : null;
        var template = root.Optional("post_processor") is { } post ? SpecialTokenTemplate.Read(post) : SpecialTokenTemplate.None;
        var decoderNode = root.Optional("decoder");
        var decoder = decoderNode is { } d ? Decoders.Read(d) : null;

        var addedTokens = new List<AddedToken>();
        if (root.Optional("added_tokens") is { } addedNode)
        {
            foreach (var token in addedNode.Items()) addedTokens.Add(AddedToken.Read(token, token.Required("id").AsInt()));
        }
        // truncation and padding are ignored on purpose: transformers resets both on every call unless asked.
        var byteLevel = Mentions(preTokenizerNode, "ByteLevel") || Mentions(decoderNode, "ByteLevel");
        var kind = byteLevel ? "byte-level BPE (tokenizer.json)"
            : model.ByteFallback || Mentions(preTokenizerNode, "Metaspace") || Mentions(decoderNode, "ByteFallback") ? "SentencePiece BPE (tokenizer.json)"
            : "BPE (tokenizer.json)";
        return new TokenizerPipeline(kind, new AddedVocabulary(addedTokens, normalizer), preTokenizer, model, template, decoder);
    }

    /// <summary>
    /// GPT-2's files as GPT2TokenizerFast runs them: the ByteLevel pre-tokenizer with GPT-2's regex, the BPE, the
    /// ByteLevel decoder; added tokens from tokenizer_config.json, else <c>&lt;|endoftext|&gt;</c> (GPT-2's default special token).
    /// </summary>
    /// <exception cref="CheckpointException">A file is malformed or a merge names a token the vocabulary lacks.</exception>
    public static TokenizerPipeline ReadGpt2Files(string vocabPath, string mergesPath, TokenizerConfig config)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var document = JsonNode.ParseFile(vocabPath, out var root))
        {
            foreach (var (token, id) in root.Members()) vocabulary[token] = id.AsInt();
        }
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mergesPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(mergesPath, $"cannot be read: {e.Message}", e);
        }
        var merges = new List<(string, string, Func<string, Exception>)>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var lineNumber = i + 1;
            Exception Error(string problem) => new CheckpointException(mergesPath, $"line {lineNumber}: {problem}");
            var parts = line.Split(' ');
            if (parts.Length != 2) throw Error("a merge is two tokens separated by one space");
            merges.Add((parts[0], parts[1], Error));
        }
        var model = BytePairModel.FromMerges(vocabulary, merges);

        var added = config.AddedTokens.ToList();
        if (added.Count == 0 && vocabulary.TryGetValue(EndOfText, out var endOfText)) added.Add(new AddedToken(endOfText, EndOfText, Special: true));
        return new TokenizerPipeline("byte-level BPE (vocab.json + merges.txt)", new AddedVocabulary(added, null),
            PreTokenizers.Gpt2ByteLevel, model, SpecialTokenTemplate.None, Decoders.ByteLevel);
    }

    private const string EndOfText = "<|endoftext|>";

    private static bool Mentions(JsonNode? node, string type) =>
        node is { } n && n.Element.GetRawText().Contains($"\"{type}\"", StringComparison.Ordinal);
}
