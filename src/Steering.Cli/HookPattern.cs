using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Steering.Cli;

/// <summary>
/// Hook names written with shell-style braces: <c>blocks.{1..3}.resid_pre</c> (a range, either direction),
/// <c>blocks.2.{attn_out,mlp_out}</c> (alternatives), several braces (every combination, leftmost slowest) and several
/// patterns separated by commas outside braces. The names are not checked here; the model checks them.
/// </summary>
internal static class HookPattern
{
    /// <summary>Every name the pattern stands for, in order, each once.</summary>
    /// <exception cref="SteeringException">An empty pattern or part, an unclosed or empty brace, or a range that is not two integers.</exception>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parts = SplitOutsideBraces(pattern, pattern);
        if (parts.Count == 0) throw new SteeringException("the hook pattern is empty");
        return parts.SelectMany(part => ExpandOne(part, pattern)).Distinct(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> ExpandOne(string part, string pattern)
    {
        var open = part.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            if (part.Contains('}', StringComparison.Ordinal)) throw new SteeringException($"the hook pattern '{pattern}' has a '}}' without a '{{'");
            return [part];
        }
        var close = part.IndexOf('}', open);
        if (close < 0) throw new SteeringException($"the hook pattern '{pattern}' has a '{{' without a '}}'");
        var prefix = part[..open];
        var suffix = part[(close + 1)..];
        return Alternatives(part[(open + 1)..close], pattern)
            .SelectMany(choice => ExpandOne(prefix + choice + suffix, pattern));
    }

    /// <summary>What one brace holds: <c>a..b</c> (integers, inclusive, either direction) or <c>x,y,z</c>.</summary>
    private static List<string> Alternatives(string inside, string pattern)
    {
        var dots = inside.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0)
        {
            var choices = inside.Split(',').Select(c => c.Trim()).ToList();
            return choices.Any(c => c.Length == 0)
                ? throw new SteeringException($"the hook pattern '{pattern}' has an empty choice in '{{{inside}}}'")
                : choices;
        }
        if (!int.TryParse(inside[..dots], NumberStyles.Integer, CultureInfo.InvariantCulture, out var from)
            || !int.TryParse(inside[(dots + 2)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var to))
            throw new SteeringException($"the hook pattern '{pattern}': '{{{inside}}}' is not a range of two integers such as {{1..3}}");
        var step = from <= to ? 1 : -1;
        var count = Math.Abs(to - from) + 1;
        return Enumerable.Range(0, count).Select(i => (from + (i * step)).ToString(CultureInfo.InvariantCulture)).ToList();
    }

    private static List<string> SplitOutsideBraces(string text, string pattern)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '{') depth++;
            if (c == '}') depth--;
            if (depth > 1) throw new SteeringException($"the hook pattern '{pattern}' nests braces; write one level");
            if (c == ',' && depth == 0)
            {
                parts.Add(Part(current, pattern));
                current.Clear();
            }
            else current.Append(c);
        }
        if (text.Trim().Length > 0) parts.Add(Part(current, pattern));
        return parts;
    }

    private static string Part(StringBuilder text, string pattern)
    {
        var part = text.ToString().Trim();
        return part.Length == 0 ? throw new SteeringException($"the hook pattern '{pattern}' has an empty name between commas") : part;
    }
}
