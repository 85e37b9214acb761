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
    private const int Control = 3;
    private const int UserDefined = 4;
    private const int Unused = 5;

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
