using System.Collections.Generic;

namespace Steering.Schema;

/// <summary>
/// A file of contrastive prompt pairs, the data a <c>[SteerAt(Pairs = "…")]</c> site's vector is built from:
/// <c>[ { "positive": "Love", "negative": "Hate" }, … ]</c> (UTF-8 JSON, any further properties ignored).
/// </summary>
public static class ContrastPairsFile
{
    /// <summary>True when <paramref name="text"/> looks like a pairs file (a JSON array): the generator reads only those.</summary>
    public static bool LooksLikePairs(string text)
    {
        var trimmed = text.TrimStart();
        return trimmed.Length > 0 && trimmed[0] == '[';
    }

    /// <summary>Reads the pairs, or returns false with the first problem found.</summary>
    public static bool TryRead(string text, out IReadOnlyList<(string Positive, string Negative)>? pairs, out SchemaProblem? problem) =>
        SchemaReadException.Try(() => Read(text), out pairs, out problem);

    /// <summary>Reads the pairs.</summary>
    /// <exception cref="SchemaReadException">Not an array of objects with string <c>positive</c> and <c>negative</c>.</exception>
    public static IReadOnlyList<(string Positive, string Negative)> Read(string text)
    {
        var root = JsonParser.Parse(text ?? "");
        ModelSchemaReader.Expect(root, JsonKind.Array, "a pairs file");
        var pairs = new List<(string, string)>(root.Items.Count);
        foreach (var item in root.Items)
        {
            ModelSchemaReader.Expect(item, JsonKind.Object, "a pair");
            pairs.Add((ModelSchemaReader.Required(item, "positive", JsonKind.String).Text!, ModelSchemaReader.Required(item, "negative", JsonKind.String).Text!));
        }
        return pairs;
    }
}
