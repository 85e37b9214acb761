using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Steering.Cli;

/// <summary>
/// A list of hook names as written on the command line: comma-separated, with shell-style braces —
/// <c>blocks.{4..8}.resid_post</c> (a range, either direction) and <c>blocks.{1,3}.attn_out</c> (a list).
/// </summary>
internal static class HookList
{
    /// <summary>The names <paramref name="text"/> stands for, in order, each once.</summary>
    /// <exception cref="SteeringException">Unbalanced braces, an empty name, or a range that is not two whole numbers.</exception>
    public static IReadOnlyList<string> Expand(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = SplitTopLevel(text, text).SelectMany(part => ExpandOne(part.Trim(), text)).Distinct(StringComparer.Ordinal).ToList();
        return names.Count > 0 ? names : throw new SteeringException($"--hooks '{text}' names no hook point");
    }

    private static IEnumerable<string> ExpandOne(string pattern, string whole)
    {
        if (pattern.Length == 0) throw new SteeringException($"--hooks '{whole}' has an empty name");
        var open = pattern.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            if (pattern.Contains('}', StringComparison.Ordinal)) throw new SteeringException($"--hooks '{whole}' has a '}}' without a '{{'");
            return new[] { pattern };
        }
        var close = pattern.IndexOf('}', open);
        if (close < 0) throw new SteeringException($"--hooks '{whole}' has a '{{' without a '}}'");
        var (prefix, body, suffix) = (pattern[..open], pattern[(open + 1)..close], pattern[(close + 1)..]);
        return Alternatives(body, whole).SelectMany(choice => ExpandOne(prefix + choice + suffix, whole));
    }

    private static IEnumerable<string> Alternatives(string body, string whole)
    {
        var range = body.Split("..");
        if (range.Length == 2)
        {
            if (!int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var to))
                throw new SteeringException($"--hooks '{whole}': '{{{body}}}' is not a range of whole numbers like {{4..8}}");
            var step = from <= to ? 1 : -1;
            return Enumerable.Range(0, Math.Abs(to - from) + 1).Select(i => (from + i * step).ToString(CultureInfo.InvariantCulture));
        }
        var choices = body.Split(',');
        return choices.Any(c => c.Length == 0) ? throw new SteeringException($"--hooks '{whole}': '{{{body}}}' has an empty choice") : choices;
    }

    /// <summary>Splits at commas outside braces.</summary>
    private static IEnumerable<string> SplitTopLevel(string text, string whole)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth < 0) throw new SteeringException($"--hooks '{whole}' has a '}}' without a '{{'");
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }
}
