using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Steering.Tokenization.HuggingFace;

/// <summary>A tokenizer.json <c>added_tokens</c> entry: matched in the text before the model sees it.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LeftStrip = false, bool RightStrip = false, bool Normalized = false)
{
    /// <summary>Reads one entry (its flags default as Hugging Face's AddedToken does: normalized unless special).</summary>
    public static AddedToken Read(JsonNode node, int id)
    {
        var special = node.Bool("special", false);
        var content = node.Required("content").AsString();
        if (content.Length == 0) throw node.Error("an added token cannot be empty");
        return new AddedToken(id, content, special, node.Bool("single_word", false), node.Bool("lstrip", false),
            node.Bool("rstrip", false), node.Bool("normalized", !special));
    }
}

/// <summary>A stretch of the input: an added token's id, or text for the normalizer, pre-tokenizer and model.</summary>
internal readonly record struct Segment(int? AddedId, Piece Text);

/// <summary>
/// Finds added tokens in text as Hugging Face's AddedVocabulary does: first the tokens matched on the raw text, then,
/// in each stretch between them after normalization, the <c>normalized</c> ones; leftmost-longest matches, with
/// <c>single_word</c>, <c>lstrip</c> and <c>rstrip</c> applied to each match.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<int, AddedToken> _byId = new();

    private readonly Dictionary<string, AddedToken> _byContent = new(StringComparer.Ordinal);

    private readonly Trie _raw = new();

    private readonly Trie _normalized = new();

    private readonly ITextNormalizer? _normalizer;

    public AddedVocabulary(IEnumerable<AddedToken> tokens, ITextNormalizer? normalizer)
    {
        _normalizer = normalizer;
        foreach (var token in tokens)
        {
            _byId[token.Id] = token;
            _byContent[token.Content] = token;
            if (token.Normalized) _normalized.Add(normalizer?.Normalize(token.Content) ?? token.Content, token);
            else _raw.Add(token.Content, token);
        }
    }

    /// <summary>Every added token.</summary>
    public IEnumerable<AddedToken> Tokens => _byId.Values;

    /// <summary>The added token with <paramref name="id"/>, or null.</summary>
    public AddedToken? ById(int id) => _byId.GetValueOrDefault(id);

    /// <summary>The added token spelled <paramref name="content"/>, or null.</summary>
    public AddedToken? ByContent(string content) => _byContent.GetValueOrDefault(content);

    /// <summary><paramref name="text"/> cut into added tokens and normalized stretches between them, in order.</summary>
    public List<Segment> Split(string text)
    {
        var segments = new List<Segment>();
        foreach (var raw in Find(text, _raw, startsText: true))
        {
            if (raw.AddedId is not null)
            {
                segments.Add(raw);
                continue;
            }
            var normalized = _normalizer?.Normalize(raw.Text.Text) ?? raw.Text.Text;
            segments.AddRange(Find(normalized, _normalized, raw.Text.StartsText));
        }
        return segments;
    }

    private static List<Segment> Find(string text, Trie trie, bool startsText)
    {
        var segments = new List<Segment>();
        var taken = 0;
        var at = 0;
        while (at < text.Length)
        {
            if (trie.LongestAt(text, at) is not var (token, length))
            {
                at++;
                continue;
            }
            int start = at, stop = at + length;
            at = stop;
            if (token.SingleWord && (EndsWithWord(text, start) || StartsWithWord(text, stop))) continue;
            if (token.LeftStrip)
            {
                while (start > taken && char.IsWhiteSpace(text[start - 1])) start--;
            }
            if (token.RightStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop])) stop++;
                at = stop;
            }
            if (start > taken) segments.Add(new Segment(null, new Piece(text[taken..start], startsText && taken == 0)));
            segments.Add(new Segment(token.Id, new Piece(text[start..stop], false)));
            taken = stop;
        }
        // Hugging Face drops empty stretches here: the normalizer and pre-tokenizer never see empty text.
        if (taken < text.Length) segments.Add(new Segment(null, new Piece(text[taken..], startsText && taken == 0)));
        return segments;
    }

    /// <summary>Whether the character before <paramref name="index"/> is a word character (Rust regex's Unicode \w).</summary>
    private static bool EndsWithWord(string text, int index) =>
        index > 0 && Rune.DecodeLastFromUtf16(text.AsSpan(0, index), out var rune, out _) == System.Buffers.OperationStatus.Done && IsWord(rune);

    private static bool StartsWithWord(string text, int index) =>
        index < text.Length && Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) == System.Buffers.OperationStatus.Done && IsWord(rune);

    private static bool IsWord(Rune rune) =>
        Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber;

    /// <summary>A character trie over token contents, for leftmost-longest matching.</summary>
    private sealed class Trie
    {
        private readonly Node _root = new();

        public void Add(string content, AddedToken token)
        {
            var node = _root;
            foreach (var c in content)
            {
                if (!node.Children.TryGetValue(c, out var child)) node.Children[c] = child = new Node();
                node = child;
            }
            node.Token ??= token;
        }

        /// <summary>The longest token that starts at <paramref name="start"/>, with its length.</summary>
        public (AddedToken Token, int Length)? LongestAt(string text, int start)
        {
            (AddedToken, int)? longest = null;
            var node = _root;
            for (var i = start; i < text.Length && node.Children.TryGetValue(text[i], out node); i++)
            {
                if (node.Token is { } token) longest = (token, i + 1 - start);
            }
            return longest;
        }

        private sealed class Node
        {
            public Dictionary<char, Node> Children { get; } = new();

            public AddedToken? Token { get; set; }
        }
    }
}
