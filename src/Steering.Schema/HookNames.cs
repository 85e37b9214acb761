using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Steering.Schema;

/// <summary>
/// The hook-name grammar, shared by the runtime and the source generator so the two can never disagree.
/// Canonical names are TransformerLens's without the <c>hook_</c> prefix: <c>embed</c>, <c>pos_embed</c>,
/// <c>blocks.{i}.{site}</c> (sites in <see cref="HookSites"/>), <c>ln_final</c>. TransformerLens's own spellings
/// (<c>blocks.5.hook_resid_post</c>, <c>blocks.0.attn.hook_z</c>, <c>blocks.0.ln1.hook_normalized</c>,
/// <c>blocks.0.attn.hook_attn_scores</c>, <c>hook_embed</c>) are accepted as aliases so users can paste them.
/// </summary>
public static class HookNames
{
    private const string BlocksPrefix = "blocks.";
    private const string HookPrefix = "hook_";

    /// <summary>The canonical name of <paramref name="site"/> in block <paramref name="layer"/>.</summary>
    public static string Block(int layer, string site) =>
        BlocksPrefix + layer.ToString(CultureInfo.InvariantCulture) + "." + site;

    /// <summary>Maps a name, canonical or a TransformerLens alias, to its canonical spelling. Does not check that it exists.</summary>
    public static string Canonicalize(string name)
    {
        if (IsPlainCanonical(name)) return name;
        var segments = name.Trim().Split('.')
            .Select(s => s.StartsWith(HookPrefix, StringComparison.Ordinal) ? s.Substring(HookPrefix.Length) : s)
            .ToList();
        // TransformerLens hooks a layer norm's output as "<ln>.hook_normalized"; here the layer norm's name is the point.
        if (segments.Count >= 2 && segments[segments.Count - 1] == "normalized"
            && segments[segments.Count - 2] is "ln1" or "ln2" or "ln_final")
            segments.RemoveAt(segments.Count - 1);
        // TransformerLens: "attn.hook_attn_scores"; here: "attn.scores".
        if (segments.Count >= 2 && segments[segments.Count - 2] == "attn" && segments[segments.Count - 1] == "attn_scores")
            segments[segments.Count - 1] = "scores";
        return string.Join(".", segments);
    }

    // Nothing for Canonicalize to change: no surrounding space, no "hook_" prefix, no TransformerLens layer-norm or
    // attention-score alias. Schemas have thousands of names and every [SteerAt] is canonicalized: no split, no join.
    private static bool IsPlainCanonical(string name) =>
        name.Length > 0 && !char.IsWhiteSpace(name[0]) && !char.IsWhiteSpace(name[name.Length - 1])
        && name.IndexOf(HookPrefix, StringComparison.Ordinal) < 0
        && !name.EndsWith("normalized", StringComparison.Ordinal) && !name.EndsWith("attn_scores", StringComparison.Ordinal);

    /// <summary>Splits a canonical name into its block index (null for model-level points) and its site.</summary>
    public static bool TryParse(string canonicalName, out ParsedHookName parsed)
    {
        parsed = default;
        if (string.IsNullOrEmpty(canonicalName)) return false;
        if (!canonicalName.StartsWith(BlocksPrefix, StringComparison.Ordinal))
        {
            parsed = new ParsedHookName(null, canonicalName);
            return canonicalName.IndexOf('.') < 0;
        }
        var rest = canonicalName.Substring(BlocksPrefix.Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0 || dot == rest.Length - 1) return false;
        var digits = rest.Substring(0, dot);
        if (!digits.All(c => c is >= '0' and <= '9') || digits.Length > 9 || (digits.Length > 1 && digits[0] == '0'))
            return false;
        parsed = new ParsedHookName(int.Parse(digits, CultureInfo.InvariantCulture), rest.Substring(dot + 1));
        return true;
    }

    /// <summary>
    /// The names among <paramref name="candidates"/> closest to <paramref name="name"/> (by edit distance on canonical
    /// spellings), best first, at most <paramref name="max"/>; empty when nothing is close.
    /// </summary>
    public static IReadOnlyList<string> Suggest(string name, IEnumerable<string> candidates, int max = 3)
    {
        var wanted = Canonicalize(name);
        var limit = Math.Max(2, wanted.Length / 3);
        return candidates
            .Select(c => (Name: c, Distance: EditDistance(wanted, c)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)
            .ToList();
    }

    /// <summary>
    /// A one-line explanation of why <paramref name="name"/> is not among <paramref name="known"/>, with the closest names:
    /// <c>no hook point 'blocks.5.resid_pst'; did you mean 'blocks.5.resid_post'?</c>
    /// </summary>
    public static string DescribeUnknown(string name, IReadOnlyCollection<string> known, int layerCount)
    {
        var canonical = Canonicalize(name);
        if (TryParse(canonical, out var parsed) && parsed.Layer is int layer && layer >= layerCount)
        {
            var last = Block(layerCount - 1, parsed.Site);
            return known.Contains(last)
                ? $"no hook point '{name}': {DescribeBlocks(layerCount)}; did you mean '{last}'?"
                : $"no hook point '{name}': {DescribeBlocks(layerCount)}";
        }
        var suggestions = Suggest(name, known);
        if (suggestions.Count == 0) return $"no hook point '{name}'";
        var quoted = suggestions.Select(s => "'" + s + "'").ToList();
        var options = quoted.Count == 1 ? quoted[0] : string.Join(", ", quoted.Take(quoted.Count - 1)) + " or " + quoted[quoted.Count - 1];
        return $"no hook point '{name}'; did you mean {options}?";
    }

    /// <summary>How many blocks a model has, in words: <c>the model has 12 blocks (0 to 11)</c>.</summary>
    public static string DescribeBlocks(int layerCount) => $"the model has {layerCount} blocks (0 to {layerCount - 1})";

    /// <summary>Levenshtein distance.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

/// <summary>A canonical hook name split into its parts.</summary>
/// <param name="Layer">The block index, or null for a model-level point (<c>embed</c>, <c>ln_final</c>).</param>
/// <param name="Site">The site: <c>resid_post</c>, <c>attn.z</c>, … or the whole model-level name.</param>
public readonly record struct ParsedHookName(int? Layer, string Site);
