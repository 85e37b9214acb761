using System;
using System.IO;
using System.Linq;
using Steering.Tokenization;

namespace Steering.Models;

/// <summary>
/// Where a model finds its tokenizer. The tokenizer loads on first use: a folder without tokenizer files still loads for
/// id-level work (random checkpoints in tests), and text APIs then fail with <see cref="TokenizerSource.Missing"/>,
/// naming the files looked for. There is no fallback to another model's tokenizer: its ids would not fit.
/// </summary>
internal static class TokenizerLookup
{
    /// <summary>The files that make a tokenizer, in the order <see cref="TextTokenizer.Load"/> prefers them.</summary>
    private static readonly string[] Files =
        { TextTokenizer.TokenizerJsonFile, TextTokenizer.SentencePieceFile, TextTokenizer.VocabFile, TextTokenizer.MergesFile };

    /// <summary>No tokenizer (a model made in code).</summary>
    public static TokenizerSource None { get; } =
        new(() => null, "the model was made in code without a tokenizer");

    /// <summary>A fixed tokenizer.</summary>
    public static TokenizerSource Of(TextTokenizer tokenizer) => new(() => tokenizer, "");

    /// <summary>The tokenizer files in <paramref name="folder"/>, or none when it holds none of them.</summary>
    public static TokenizerSource ForFolder(string folder) =>
        Files.Any(file => File.Exists(Path.Combine(folder, file)))
            ? new(() => TextTokenizer.Load(folder), "")
            : new(() => null, $"no tokenizer in {folder}: looked for {TextTokenizer.TokenizerJsonFile}, {TextTokenizer.SentencePieceFile}, and {TextTokenizer.VocabFile} + {TextTokenizer.MergesFile}");
}

/// <summary>How a model gets its tokenizer on first use.</summary>
/// <param name="Load">Loads it; null when there is none.</param>
/// <param name="Missing">The error text for text APIs when there is none.</param>
internal sealed record TokenizerSource(Func<TextTokenizer?> Load, string Missing);
