using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Steering.Chat.Jinja.Runtime;

namespace Steering.Chat.Jinja;

/// <summary>
/// Python's string operations over .NET strings: whitespace as <c>str.isspace</c> defines it, strip/split/title, and
/// indexing by code point (a Python string indexes code points, a .NET string UTF-16 units).
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c> for one character (it adds U+001C..U+001F to .NET's whitespace).</summary>
    public static bool IsWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    public static string RstripWhitespace(string s)
    {
        var end = s.Length;
        while (end > 0 && IsWhitespace(s[end - 1]))
            end--;
        return s[..end];
    }

    /// <summary><c>strip</c>/<c>lstrip</c>/<c>rstrip</c>: whitespace when <paramref name="chars"/> is null, else any of its characters.</summary>
    public static string Strip(string s, string? chars, bool left, bool right)
    {
        Func<char, bool> strip = chars is null ? IsWhitespace : c => chars.Contains(c, StringComparison.Ordinal);
        int start = 0, end = s.Length;
        if (left)
            while (start < end && strip(s[start]))
                start++;
        if (right)
            while (end > start && strip(s[end - 1]))
                end--;
        return s[start..end];
    }

    /// <summary>Python's <c>str.split(sep, maxsplit)</c>: on runs of whitespace when <paramref name="separator"/> is null.</summary>
    public static List<object?> Split(string s, string? separator, long maxSplit)
    {
        var parts = new List<object?>();
        if (separator is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsWhitespace(s[i]))
                    i++;
                if (i >= s.Length)
                    break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(RstripWhitespace(s[i..]));
                    break;
                }
                var start = i;
                while (i < s.Length && !IsWhitespace(s[i]))
                    i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        if (separator.Length == 0)
            throw new RenderError("empty separator");
        var from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0)
                break;
            parts.Add(s[from..at]);
            from = at + separator.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    /// <summary>Python's <c>str.splitlines()</c>: lines without their ends, at every line boundary Python knows.</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029'))
                continue;
            lines.Add(s[start..i]);
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
                i++;
            start = i + 1;
        }
        if (start < s.Length)
            lines.Add(s[start..]);
        return lines;
    }

    /// <summary>Python's <c>str.title()</c>: a cased letter after another cased letter is lowered, any other is raised.</summary>
    public static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            var cased = char.IsUpper(c) || char.IsLower(c);
            builder.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }
        return builder.ToString();
    }

    /// <summary>Jinja2's <c>title</c> filter: each word (split at whitespace, '-', '(', '{', '[', '&lt;') capitalized.</summary>
    public static string JinjaTitle(string s)
    {
        var builder = new StringBuilder(s.Length);
        var wordStart = true;
        foreach (var c in s)
        {
            var separator = IsWhitespace(c) || c is '-' or '(' or '{' or '[' or '<';
            builder.Append(separator ? c : wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = separator;
        }
        return builder.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>: the first character upper, the rest lower.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    public static long Length(string s) => HasSurrogates(s) ? CodePoints(s).Count : s.Length;

    /// <summary>The code points of <paramref name="s"/> as one-code-point strings.</summary>
    public static List<string> CodePoints(string s)
    {
        var points = new List<string>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                points.Add(s.Substring(i, 2));
                i++;
            }
            else
                points.Add(s[i].ToString());
        }
        return points;
    }

    public static string Upper(string s) => s.ToUpperInvariant();

    public static string Lower(string s) => s.ToLowerInvariant();

    public static string Join(IEnumerable<string> parts, string separator)
    {
        var list = parts.ToList();
        Limits.CheckLength(list.Sum(p => (long)p.Length) + (long)separator.Length * Math.Max(0, list.Count - 1), "a joined string");
        return string.Join(separator, list);
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            if (old.Length == 0)
                return Replace(s, old, replacement, long.MaxValue);
            Limits.CheckLength(s.Length + (long)Math.Max(0, replacement.Length - old.Length) * (s.Length / Math.Max(1, old.Length)), "a replaced string");
            return s.Replace(old, replacement, StringComparison.Ordinal);
        }
        var builder = new StringBuilder();
        var from = 0;
        for (long n = 0; n < count; n++)
        {
            if (old.Length == 0)
            {
                // Python inserts the replacement before every character and at the end.
                builder.Append(replacement);
                if (from >= s.Length)
                    return builder.ToString();
                builder.Append(s[from++]);
            }
            else
            {
                var at = s.IndexOf(old, from, StringComparison.Ordinal);
                if (at < 0)
                    break;
                builder.Append(s, from, at - from).Append(replacement);
                from = at + old.Length;
            }
            Limits.CheckLength(builder.Length, "a replaced string");
        }
        return builder.Append(s, from, s.Length - from).ToString();
    }

    public static string Repeat(string s, long times)
    {
        if (times <= 0 || s.Length == 0)
            return "";
        Limits.CheckLength(s.Length * Math.Min(times, Limits.MaxStringLength + 1L), "a repeated string");
        return new StringBuilder(s.Length * (int)times).Insert(0, s, (int)times).ToString();
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
