using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Models;
using Steering.Tokenization;

namespace Steering.Export;

/// <summary>
/// Tokenizer metadata for a GGUF model, from the model's real tokenizer, as llama.cpp's <c>convert_hf_to_gguf.py</c>
/// writes it for a byte-level BPE tokenizer (<c>tokenizer.ggml.model = "gpt2"</c>): the token list by id (padded with
/// <c>[PADn]</c> tokens up to the embedding's row count), token types, merges, the special ids and whether BOS is added.
/// </summary>
internal static class GgufVocabulary
{
    // llama.cpp's token types (llama_token_type).
    private const int Normal = 1;
    private const int Unknown = 2;
    private const int Control = 3;
    private const int UserDefined = 4;
    private const int Unused = 5;
    private const int Byte = 6;

    /// <summary>
    /// Adds a SentencePiece-style tokenizer (tokenizer.json BPE with byte fallback, or a tokenizer.model converted to one:
    /// Llama 2, Mistral, Gemma) as llama.cpp's <c>llama</c> vocabulary: tokens by id with their <c>▁</c>, token types
    /// (unknown, control for special added tokens, user-defined for other added ones, byte for <c>&lt;0xXX&gt;</c>),
    /// scores and <c>add_space_prefix</c>. llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result
    /// scores highest, so a token's score is minus the rank of the merge that makes it (ids do not give that order:
    /// Mistral's <c>▁▁</c> has id 259 but merges late); a token no merge makes scores below every merge, as the real
    /// tokenizer.model's whitespace pieces do.
    /// </summary>
    /// <exception cref="SteeringException">More tokens than the embedding has rows, or not a byte-fallback BPE tokenizer.</exception>
    public static void AddSentencePiece(GgufWriter writer, TextTokenizer tokenizer, int vocabSize, SpecialTokenIds special)
    {
        var pipeline = tokenizer.Pipeline is { Model.ByteFallback: true } p ? p
            : throw new SteeringException("llama.cpp's \"llama\" vocabulary is exported from a BPE tokenizer with byte_fallback (tokenizer.json or tokenizer.model); this tokenizer is not one");
        var tokens = ById(pipeline.Model.Vocabulary.Concat(pipeline.Added.Tokens.Select(t => KeyValuePair.Create(t.Content, t.Id))), vocabSize, "tokenizer.json");
        var types = new int[vocabSize];
        var scores = new float[vocabSize];
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (merge, rank) in pipeline.Model.MergesByRank.Select((merge, rank) => (merge, rank)))
            rankOf.TryAdd(merge.Left + merge.Right, rank);
        for (var id = 0; id < vocabSize; id++)
        {
            var token = tokens[id];
            (types[id], scores[id]) = token is null ? (Unused, -1000f)
                : id == pipeline.Model.UnknownId ? (Unknown, 0f)
                : pipeline.Added.ById(id) is { } added ? (added.Special ? Control : UserDefined, 0f)
                : IsByteToken(token) ? (Byte, 0f)
                : (Normal, rankOf.TryGetValue(token, out var rank) ? -(float)rank : -1e9f);
            tokens[id] = token ?? $"[PAD{id.ToString(CultureInfo.InvariantCulture)}]";
        }
        writer.Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.pre", "default")
            .Add("tokenizer.ggml.tokens", tokens!)
            .Add("tokenizer.ggml.scores", scores)
            .Add("tokenizer.ggml.token_type", types)
            .Add("tokenizer.ggml.add_space_prefix", AddsSpacePrefix(tokenizer, pipeline));
        if (special.Bos is { } bos) writer.Add("tokenizer.ggml.bos_token_id", (uint)bos);
        if (special.Eos.Count > 0) writer.Add("tokenizer.ggml.eos_token_id", (uint)special.Eos[0]);
        if (pipeline.Model.UnknownId is { } unknown) writer.Add("tokenizer.ggml.unknown_token_id", (uint)unknown);
        if (special.Pad is { } pad) writer.Add("tokenizer.ggml.padding_token_id", (uint)pad);
        var withSpecial = tokenizer.Encode("a", addSpecialTokens: true);
        var plain = tokenizer.Encode("a", addSpecialTokens: false);
        writer.Add("tokenizer.ggml.add_bos_token", AddsBos(tokenizer, special))
            .Add("tokenizer.ggml.add_eos_token", withSpecial.Length > plain.Length && special.Eos.Contains(withSpecial[^1]));
    }

    /// <summary>
    /// llama.cpp's <c>add_space_prefix</c>: whether the tokenizer puts <c>▁</c> before a text ("a" → "▁a": Llama 2,
    /// Mistral; Gemma does not). With it on, llama.cpp prefixes <c>▁</c> at the start and after every special token
    /// and keeps a leading space as a second <c>▁</c>, as the classic Prepend normalizer does (Llama 2, Mistral v0.1).
    /// A Metaspace pre-tokenizer with <c>prepend_scheme: first</c> (<c>legacy: false</c>, Mistral v0.3) prefixes only
    /// the start and merges a leading space into it; llama.cpp has no such mode, and its own converter exports these
    /// tokenizers with the prefix on (tokenizer.model's add_dummy_prefix), so this does too: texts after a special
    /// token or starting with a space tokenize differently there, every other text identically (tested).
    /// </summary>
    private static bool AddsSpacePrefix(TextTokenizer tokenizer, Tokenization.HuggingFace.TokenizerPipeline pipeline) =>
        tokenizer.Encode("a", addSpecialTokens: false) is [var first, ..]
        && pipeline.TokenOf(first) is { } text && text.StartsWith('\u2581');

    /// <summary>A byte-fallback token, <c>&lt;0xXX&gt;</c>.</summary>
    private static bool IsByteToken(string token) =>
        token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>' && Uri.IsHexDigit(token[3]) && Uri.IsHexDigit(token[4]);

    /// <summary>
    /// Adds <paramref name="tokenizer"/> as a byte-level BPE tokenizer whose pre-tokenizer llama.cpp knows as
    /// <paramref name="preTokenizer"/> (<c>gpt-2</c>, <c>llama-bpe</c>, <c>qwen2</c>). As the converter does, added
    /// tokens are control tokens when special and user-defined otherwise; for GPT-2's vocab.json, BOS and EOS are the
    /// control tokens.
    /// </summary>
    /// <exception cref="SteeringException">More tokens than the embedding has rows, or a SentencePiece-style (byte-fallback) tokenizer.</exception>
    public static void AddByteLevelBpe(GgufWriter writer, TextTokenizer tokenizer, int vocabSize, SpecialTokenIds special, string preTokenizer)
    {
        string?[] tokens;
        int[] types;
        string[] merges;
        if (tokenizer.Pipeline is { } pipeline)
        {
            if (pipeline.Model.ByteFallback)
                throw new SteeringException("GGUF export covers byte-level BPE tokenizers; this is a SentencePiece-style (byte-fallback) tokenizer, which llama.cpp's \"llama\" vocabulary would need");
            tokens = ById(pipeline.Model.Vocabulary.Concat(pipeline.Added.Tokens.Select(t => KeyValuePair.Create(t.Content, t.Id))), vocabSize, "tokenizer.json");
            types = new int[vocabSize];
            for (var id = 0; id < vocabSize; id++)
                types[id] = tokens[id] is null ? Unused : pipeline.Added.ById(id) is { } added ? (added.Special ? Control : UserDefined) : Normal;
            merges = pipeline.Model.MergesByRank.Select(m => m.Left + " " + m.Right).ToArray();
        }
        else
        {
            (tokens, merges) = ReadSavedFiles(tokenizer, vocabSize);
            var control = special.Eos.Append(special.Bos ?? -1).ToHashSet();
            types = Enumerable.Range(0, vocabSize).Select(id => tokens[id] is null ? Unused : control.Contains(id) ? Control : Normal).ToArray();
        }
        for (var id = 0; id < vocabSize; id++)
            tokens[id] ??= $"[PAD{id.ToString(CultureInfo.InvariantCulture)}]";

        writer.Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.pre", preTokenizer)
            .Add("tokenizer.ggml.tokens", tokens!)
            .Add("tokenizer.ggml.token_type", types)
            .Add("tokenizer.ggml.merges", merges);
        if (special.Bos is { } bos) writer.Add("tokenizer.ggml.bos_token_id", (uint)bos);
        if (special.Eos.Count > 0) writer.Add("tokenizer.ggml.eos_token_id", (uint)special.Eos[0]);
        if (special.Pad is { } pad) writer.Add("tokenizer.ggml.padding_token_id", (uint)pad);
        writer.Add("tokenizer.ggml.add_bos_token", AddsBos(tokenizer, special));
    }

    /// <summary>Whether encoding with special tokens puts BOS first, as the tokenizer files (template or add_bos_token) say.</summary>
    private static bool AddsBos(TextTokenizer tokenizer, SpecialTokenIds special)
    {
        var withSpecial = tokenizer.Encode("a", addSpecialTokens: true);
        return special.Bos is { } bos && withSpecial.Length > tokenizer.Encode("a", addSpecialTokens: false).Length && withSpecial[0] == bos;
    }

    /// <summary>The tokens by id, null where no token has the id.</summary>
    private static string?[] ById(IEnumerable<KeyValuePair<string, int>> vocabulary, int vocabSize, string source)
    {
        var tokens = new string?[vocabSize];
        foreach (var (token, id) in vocabulary)
        {
            if (id >= vocabSize)
                throw new SteeringException($"the tokenizer has token {id} ('{token}'), but the model's embedding has only {vocabSize} rows; llama.cpp needs one row per token");
            if (tokens[id] is { } other && other != token)
                throw new SteeringException($"{source}: tokens '{other}' and '{token}' share the id {id}");
            tokens[id] = token;
        }
        return tokens;
    }

    /// <summary>vocab.json and merges.txt as <paramref name="tokenizer"/> saves them (GPT-2's files).</summary>
    private static (string?[] Tokens, string[] Merges) ReadSavedFiles(TextTokenizer tokenizer, int vocabSize)
    {
        var folder = Path.Combine(Path.GetTempPath(), "steering-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            tokenizer.SaveTo(folder);
            var path = Path.Combine(folder, TextTokenizer.VocabFile);
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var entries = document.RootElement.EnumerateObject().Select(entry =>
                entry.Value.TryGetInt32(out var id) && id >= 0 ? KeyValuePair.Create(entry.Name, id)
                    : throw new CheckpointException(path, $"token '{entry.Name}' has the id {entry.Value.GetRawText()}, not a non-negative integer"));
            var tokens = ById(entries, vocabSize, path);
            var merges = File.ReadLines(Path.Combine(folder, TextTokenizer.MergesFile))
                .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
                .ToArray();
            return (tokens, merges);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
