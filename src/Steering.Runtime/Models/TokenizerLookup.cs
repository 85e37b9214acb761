using System;
using System.IO;
using System.Linq;
using Steering.Tokenization;

namespace Steering.Models;

/// <summary>
/// Where a model finds its tokenizer — the one place that calls into Tokenization, so the tokenizer that reads
/// tokenizer.json can be switched in here. The tokenizer loads on first use: a folder without tokenizer files still
/// loads for id-level work (random checkpoints in tests), and text APIs then fail with <see cref="TokenizerSource.Missing"/>.
/// </summary>
internal static class TokenizerLookup
{
    /// <summary>The files looked for, in order.</summary>
    private static readonly string[] Files = { TextTokenizer.VocabFile, TextTokenizer.MergesFile };

    /// <summary>No tokenizer (a model made in code).</summary>
    public static TokenizerSource None { get; } =
        new(() => null, "the model was made in code without a tokenizer");

    /// <summary>A fixed tokenizer.</summary>
    public static TokenizerSource Of(TextTokenizer tokenizer) => new(() => tokenizer, "");

    /// <summary>
    /// The tokenizer files in <paramref name="folder"/>. GPT-2 folders without files keep today's fallback to the shipped
    /// GPT-2 tokenizer; other families get none rather than a tokenizer whose ids do not fit.
    /// </summary>
    public static TokenizerSource ForFolder(string folder, string modelType)
    {
        var hasFiles = Files.Any(file => File.Exists(Path.Combine(folder, file)));
        if (!hasFiles && modelType != Gpt2.Gpt2Config.ModelType)
            return new(() => null, $"no tokenizer in {folder}: looked for {string.Join(" and ", Files)}");
        return new(() => TextTokenizer.ForFolder(folder), "");
    }
}

/// <summary>How a model gets its tokenizer on first use.</summary>
/// <param name="Load">Loads it; null when there is none.</param>
/// <param name="Missing">The error text for text APIs when there is none.</param>
internal sealed record TokenizerSource(Func<TextTokenizer?> Load, string Missing);
