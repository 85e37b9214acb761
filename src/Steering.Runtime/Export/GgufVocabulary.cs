using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Tokenization;
using SpecialTokens = Steering.Models.SpecialTokens;

namespace Steering.Export;

/// <summary>
/// Tokenizer metadata for a GGUF model, from the model's real tokenizer files, as llama.cpp's
/// <c>convert_hf_to_gguf.py</c> writes it: the token list by id (padded with <c>[PADn]</c> tokens up to the embedding's
/// row count), token types, merges, and the special ids.
/// </summary>
internal static class GgufVocabulary
{
    // llama.cpp's token types (llama_token_type).
    private const int Normal = 1;
    private const int Control = 3;
    private const int Unused = 5;

    /// <summary>
    /// Adds a byte-level BPE tokenizer (<c>tokenizer.ggml.model = "gpt2"</c>): <c>vocab.json</c> and <c>merges.txt</c>
    /// as <paramref name="tokenizer"/> saves them. The BOS and EOS tokens are control tokens.
    /// </summary>
    /// <exception cref="SteeringException">The tokenizer has more tokens than the embedding has rows, or malformed files.</exception>
    public static void AddByteLevelBpe(GgufWriter writer, TextTokenizer tokenizer, int vocabSize, SpecialTokenIds special, string preTokenizer)
    {
        var control = special.Eos.Append(special.Bos ?? -1).ToHashSet();
        var folder = Path.Combine(Path.GetTempPath(), "steering-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            tokenizer.SaveTo(folder);
            var tokens = ReadVocabulary(Path.Combine(folder, TextTokenizer.VocabFile), vocabSize);
            var types = new int[vocabSize];
            for (var id = 0; id < vocabSize; id++)
            {
                types[id] = tokens[id] is null ? Unused : control.Contains(id) ? Control : Normal;
                tokens[id] ??= $"[PAD{id.ToString(CultureInfo.InvariantCulture)}]";
            }
            var merges = File.ReadLines(Path.Combine(folder, TextTokenizer.MergesFile))
                .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
                .ToArray();
            writer.Add("tokenizer.ggml.model", "gpt2")
                .Add("tokenizer.ggml.pre", preTokenizer)
                .Add("tokenizer.ggml.tokens", tokens!)
                .Add("tokenizer.ggml.token_type", types)
                .Add("tokenizer.ggml.merges", merges);
            if (special.Bos is { } bos) writer.Add("tokenizer.ggml.bos_token_id", (uint)bos);
            if (special.Eos.Count > 0) writer.Add("tokenizer.ggml.eos_token_id", (uint)special.Eos[0]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The tokens of <c>vocab.json</c> by id, null where no token has the id.</summary>
    private static string?[] ReadVocabulary(string path, int vocabSize)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var tokens = new string?[vocabSize];
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out var id) || id < 0)
                throw new CheckpointException(path, $"token '{entry.Name}' has the id {entry.Value.GetRawText()}, not a non-negative integer");
            if (id >= vocabSize)
                throw new SteeringException($"the tokenizer has token {id} ('{entry.Name}'), but the model's embedding has only {vocabSize} rows; llama.cpp needs one row per token");
            if (tokens[id] is not null)
                throw new CheckpointException(path, $"tokens '{tokens[id]}' and '{entry.Name}' share the id {id}");
            tokens[id] = entry.Name;
        }
        return tokens;
    }
}
