using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer.json <c>pattern</c>: <c>{"String": "..."}</c> matched literally or <c>{"Regex": "..."}</c> (written for
/// Oniguruma, run here by .NET's engine, which reads the patterns these tokenizers use the same way).
/// </summary>
/// <remarks>
/// .NET's regex engine sees UTF-16 code units, Oniguruma sees code points: <c>\p{L}</c> would not match a letter outside
/// the Basic Multilingual Plane (𝐇, 𠀀) here. So text with surrogate pairs is matched in a stand-in where each pair is
/// one BMP character of the same Unicode category, and the spans are mapped back.
/// </remarks>
internal sealed class StringPattern
{
    private readonly string? _literal;

    private readonly Regex? _regex;

    private StringPattern(string? literal, Regex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    /// <summary>A literal pattern.</summary>
    public static StringPattern Literal(string literal) => new(literal, null);

    /// <summary>A regular expression.</summary>
    public static StringPattern Expression(string pattern) => new(null, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled));

    /// <summary>The pattern <paramref name="node"/> holds.</summary>
    public static StringPattern Read(JsonNode node)
    {
        if (node.Optional("String") is { } literal)
        {
            var text = literal.AsString();
            return text.Length > 0 ? Literal(text) : throw literal.Error("an empty pattern matches nothing");
        }
        if (node.Optional("Regex") is { } regex)
        {
            try
            {
                return Expression(regex.AsString());
            }
            catch (ArgumentException e)
            {
                throw regex.Error($"not a regular expression .NET can run: {e.Message}");
            }
        }
        throw node.Error("a pattern is {\"String\": ...} or {\"Regex\": ...}");
    }

    /// <summary>The non-overlapping matches in <paramref name="text"/>, left to right, as (start, length).</summary>
    public List<(int Start, int Length)> Matches(string text)
    {
        var spans = new List<(int, int)>();
        if (_literal is not null)
        {
            for (var at = text.IndexOf(_literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(_literal, at + _literal.Length, StringComparison.Ordinal))
                spans.Add((at, _literal.Length));
            return spans;
        }
        var (subject, starts) = StandIn(text);
        for (var match = _regex!.Match(subject); match.Success; match = match.NextMatch())
        {
            if (match.Length == 0) continue;
            var start = starts is null ? match.Index : starts[match.Index];
            var end = starts is null ? match.Index + match.Length : starts[match.Index + match.Length];
            spans.Add((start, end - start));
        }
        return spans;
    }

    /// <summary><paramref name="text"/> with every match replaced by <paramref name="content"/>.</summary>
    public string Replace(string text, string content)
    {
        if (_literal is not null) return text.Replace(_literal, content, StringComparison.Ordinal);
        var result = new StringBuilder(text.Length);
        var at = 0;
        foreach (var (start, length) in Matches(text))
        {
            result.Append(text, at, start - at).Append(content);
            at = start + length;
        }
        return result.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>
    /// The text the regex sees, and for each of its positions (plus the end) the position in <paramref name="text"/>;
    /// no map when the text has no surrogate pairs.
    /// </summary>
    private static (string Subject, int[]? Starts) StandIn(string text)
    {
        if (!HasSurrogates(text)) return (text, null);
        var subject = new StringBuilder(text.Length);
        var starts = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            starts.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                subject.Append(BmpStandIn(CharUnicodeInfo.GetUnicodeCategory(text, i)));
                i++;
            }
            else
            {
                subject.Append(text[i]);
            }
        }
        starts.Add(text.Length);
        return (subject.ToString(), starts.ToArray());
    }

    private static bool HasSurrogates(string text)
    {
        foreach (var c in text)
            if (char.IsSurrogate(c)) return true;
        return false;
    }

    private static readonly char[] StandIns = FindStandIns();

    private static char BmpStandIn(UnicodeCategory category) => StandIns[(int)category];

    /// <summary>For each Unicode category, a non-ASCII BMP character of it (U+FFFD where the BMP has none).</summary>
    private static char[] FindStandIns()
    {
        var standIns = new char[32];
        Array.Fill(standIns, '\uFFFD');
        var found = new bool[32];
        for (var c = 0x00A0; c < 0x10000; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            var category = (int)CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (found[category]) continue;
            standIns[category] = (char)c;
            found[category] = true;
        }
        return standIns;
    }
}
