using System.Collections.Generic;
using System.Linq;

namespace Steering.Tokenization.HuggingFace;

/// <summary>A stretch of text on its way to the model; <see cref="StartsText"/> when it begins at the start of the input.</summary>
internal readonly record struct Piece(string Text, bool StartsText);

/// <summary>A tokenizer.json <c>pre_tokenizer</c>: cuts a piece into the words the model tokenizes one by one.</summary>
internal interface IPreTokenizer
{
    IEnumerable<Piece> Split(Piece piece);
}

/// <summary>Reads the <c>pre_tokenizer</c> kinds the supported tokenizers use.</summary>
internal static class PreTokenizers
{
    /// <summary>GPT-2's pre-tokenizer regex, what a ByteLevel pre-tokenizer with <c>use_regex</c> splits with.</summary>
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly StringPattern Gpt2Split = StringPattern.Expression(Gpt2Pattern);

    /// <summary>The pre-tokenizer <paramref name="node"/> describes.</summary>
    /// <exception cref="Steering.Checkpoints.CheckpointException">An unsupported type, named with the file.</exception>
    public static IPreTokenizer Read(JsonNode node) => node.Type switch
    {
        "Sequence" => new SequencePreTokenizer(node.Required("pretokenizers").Items().Select(Read).ToArray()),
        "Split" => new SplitPreTokenizer(StringPattern.Read(node.Required("pattern")), ReadBehavior(node.Required("behavior")), node.Bool("invert", false)),
        "ByteLevel" => new ByteLevelPreTokenizer(node.Bool("add_prefix_space", true), node.Bool("use_regex", true)),
        "Metaspace" => new MetaspacePreTokenizer(HuggingFace.Metaspace.Read(node), node.Bool("split", true)),
        var type => throw node.Error($"pre-tokenizer type \"{type}\" is not supported (supported: Sequence, Split, ByteLevel, Metaspace)"),
    };

    /// <summary>The ByteLevel pre-tokenizer GPT-2 folders (vocab.json + merges.txt) imply.</summary>
    public static IPreTokenizer Gpt2ByteLevel { get; } = new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true);

    /// <summary>A Metaspace pre-tokenizer that does not split (as transformers writes for non-legacy Llama).</summary>
    public static IPreTokenizer Metaspace(string replacement, PrependScheme scheme) =>
        new MetaspacePreTokenizer(new Metaspace(replacement, scheme), split: false);

    private static SplitBehavior ReadBehavior(JsonNode node) => node.AsString() switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        var other => throw node.Error($"split behavior \"{other}\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous"),
    };

    private enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

    /// <summary>
    /// Cuts <paramref name="piece"/> at the matches of <paramref name="pattern"/>, keeping the matches as
    /// <paramref name="behavior"/> says (Hugging Face's NormalizedString::split). Empty pieces are dropped.
    /// </summary>
    private static IEnumerable<Piece> Split(Piece piece, StringPattern pattern, SplitBehavior behavior, bool invert = false)
    {
        var text = piece.Text;
        var spans = new List<(int Start, int End, bool IsMatch)>();
        var at = 0;
        foreach (var (start, length) in pattern.Matches(text))
        {
            if (start > at) spans.Add((at, start, invert));
            spans.Add((start, start + length, !invert));
            at = start + length;
        }
        if (at < text.Length || spans.Count == 0) spans.Add((at, text.Length, invert));

        var kept = new List<(int Start, int End)>();
        switch (behavior)
        {
            case SplitBehavior.Removed:
                kept.AddRange(spans.Where(s => !s.IsMatch).Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Isolated:
                kept.AddRange(spans.Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Contiguous:
            case SplitBehavior.MergedWithPrevious:
            {
                var previousMatch = false;
                foreach (var (start, end, isMatch) in spans)
                {
                    var joins = behavior == SplitBehavior.Contiguous ? isMatch == previousMatch : isMatch && !previousMatch;
                    if (joins && kept.Count > 0) kept[^1] = (kept[^1].Start, end);
                    else kept.Add((start, end));
                    previousMatch = isMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                var previousMatch = false;
                for (var i = spans.Count - 1; i >= 0; i--)
                {
                    var (start, end, isMatch) = spans[i];
                    if (isMatch && !previousMatch && kept.Count > 0) kept[^1] = (start, kept[^1].End);
                    else kept.Add((start, end));
                    previousMatch = isMatch;
                }
                kept.Reverse();
                break;
            }
        }
        foreach (var (start, end) in kept)
            if (end > start) yield return new Piece(text[start..end], piece.StartsText && start == 0);
    }

    private sealed class SequencePreTokenizer(IPreTokenizer[] steps) : IPreTokenizer
    {
        public IEnumerable<Piece> Split(Piece piece) =>
            steps.Aggregate((IEnumerable<Piece>)new[] { piece }, (pieces, step) => pieces.SelectMany(step.Split).ToList());
    }

    private sealed class SplitPreTokenizer(StringPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
    {
        public IEnumerable<Piece> Split(Piece piece) => PreTokenizers.Split(piece, pattern, behavior, invert);
    }

    /// <summary>Optionally a leading space and GPT-2's split, then each piece's UTF-8 bytes in the byte-level alphabet.</summary>
    private sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
    {
        public IEnumerable<Piece> Split(Piece piece)
        {
            if (addPrefixSpace && !piece.Text.StartsWith(' ')) piece = piece with { Text = " " + piece.Text };
            var pieces = useRegex ? PreTokenizers.Split(piece, Gpt2Split, SplitBehavior.Isolated) : new[] { piece };
            return pieces.Select(p => p with { Text = ByteLevelAlphabet.Spell(p.Text) });
        }
    }

    /// <summary>Spaces become the replacement character, which may be prepended, and words start at it.</summary>
    private sealed class MetaspacePreTokenizer(Metaspace metaspace, bool split) : IPreTokenizer
    {
        private readonly StringPattern _replacement = StringPattern.Literal(metaspace.Replacement);

        public IEnumerable<Piece> Split(Piece piece)
        {
            var text = piece.Text.Replace(" ", metaspace.Replacement, System.StringComparison.Ordinal);
            var prepend = metaspace.Scheme switch
            {
                PrependScheme.Always => true,
                PrependScheme.First => piece.StartsText,
                _ => false,
            };
            if (prepend && !text.StartsWith(metaspace.Replacement, System.StringComparison.Ordinal)) text = metaspace.Replacement + text;
            piece = piece with { Text = text };
            return split ? PreTokenizers.Split(piece, _replacement, SplitBehavior.MergedWithNext) : new[] { piece };
        }
    }
}

/// <summary>When a Metaspace component puts the replacement character in front of a piece.</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>The settings a Metaspace pre-tokenizer and decoder share.</summary>
internal sealed record Metaspace(string Replacement, PrependScheme Scheme)
{
    /// <summary>Reads <c>replacement</c> and <c>prepend_scheme</c> (or the older <c>add_prefix_space</c>).</summary>
    public static Metaspace Read(JsonNode node)
    {
        var replacement = node.Required("replacement");
        var text = replacement.AsString();
        if (text.EnumerateRunes().Count() != 1)
            throw replacement.Error("the replacement must be one character");
        var scheme = node.Optional("prepend_scheme") is { } named
            ? named.AsString() switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw named.Error($"prepend_scheme \"{other}\" is not one of always, first, never"),
            }
            : node.Bool("add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never;
        return new Metaspace(text, scheme);
    }
}
