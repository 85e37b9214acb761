using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Steering.Schema;

/// <summary>
/// The small JSON file written beside every vector file (<c>love.safetensors.json</c>) so the compiler can check a
/// <c>[SteerAt(..., Vector = "love.safetensors")]</c> site: analyzers cannot read binary files, but they can read this.
/// Format 1: <c>{ "format": 1, "model": "gpt2", "architecture": "gpt2", "dimensions": { "d_model": 768, … },
/// "vectors": [ { "hook": "blocks.5.resid_post", "shape": [768] } ] }</c>; <c>model</c>, <c>architecture</c> and
/// <c>dimensions</c> (the identity of the model the vectors were built for, as in its schema) are optional.
/// </summary>
public static class VectorSidecar
{
    /// <summary>The sidecar's path for a vector file.</summary>
    public static string PathFor(string vectorPath) => vectorPath + ".json";

    /// <summary>The sidecar's text for vectors at <paramref name="vectors"/> (hook name → shape).</summary>
    public static string Write(string? modelName, IEnumerable<KeyValuePair<string, IReadOnlyList<int>>> vectors, string? architecture = null, ModelDimensions? dimensions = null)
    {
        var json = new StringBuilder("{\n  \"format\": 1,\n");
        if (modelName is not null) json.Append("  \"model\": ").Append(ModelSchemaWriter.Quote(modelName)).Append(",\n");
        if (architecture is not null) json.Append("  \"architecture\": ").Append(ModelSchemaWriter.Quote(architecture)).Append(",\n");
        if (dimensions is not null) ModelSchemaWriter.AppendDimensions(json.Append("  \"dimensions\": "), dimensions).Append(",\n");
        json.Append("  \"vectors\": [");
        var first = true;
        foreach (var vector in vectors)
        {
            json.Append(first ? "\n" : ",\n").Append("    { \"hook\": ").Append(ModelSchemaWriter.Quote(vector.Key)).Append(", \"shape\": [");
            for (var i = 0; i < vector.Value.Count; i++)
                json.Append(i == 0 ? "" : ", ").Append(vector.Value[i].ToString(CultureInfo.InvariantCulture));
            json.Append("] }");
            first = false;
        }
        return json.Append("\n  ]\n}\n").ToString();
    }

    /// <summary>Reads a sidecar, or returns false with the first problem found.</summary>
    public static bool TryRead(string text, out VectorSidecarInfo? sidecar, out SchemaProblem? problem) =>
        SchemaReadException.Try(() => Read(text), out sidecar, out problem);

    /// <summary>Reads a sidecar written by <see cref="Write"/>.</summary>
    /// <exception cref="SchemaReadException">The text is not a sidecar this version reads.</exception>
    public static VectorSidecarInfo Read(string text)
    {
        var root = JsonParser.Parse(text ?? "");
        ModelSchemaReader.Expect(root, JsonKind.Object, "the sidecar");
        var formatNode = ModelSchemaReader.Required(root, "format", JsonKind.Number);
        var format = ModelSchemaReader.Int(formatNode, "format");
        if (format != 1)
            throw ModelSchemaReader.Problem(SchemaProblemKind.UnknownFormat, $"unknown sidecar format {format}; this version reads format 1", formatNode);
        var model = root.Member("model") is { } m ? Text(m.Value, "model") : null;
        var architecture = root.Member("architecture") is { } a ? Text(a.Value, "architecture") : null;
        var dimensions = root.Member("dimensions") is not null ? ModelSchemaReader.Dimensions(ModelSchemaReader.Required(root, "dimensions", JsonKind.Object)) : null;
        var vectors = new List<SidecarVector>();
        foreach (var item in ModelSchemaReader.Required(root, "vectors", JsonKind.Array).Items)
        {
            ModelSchemaReader.Expect(item, JsonKind.Object, "a vector");
            var hook = ModelSchemaReader.Required(item, "hook", JsonKind.String).Text!;
            var shape = new List<int>();
            foreach (var size in ModelSchemaReader.Required(item, "shape", JsonKind.Array).Items)
            {
                ModelSchemaReader.Expect(size, JsonKind.Number, "a size");
                shape.Add(ModelSchemaReader.Int(size, "shape"));
            }
            vectors.Add(new SidecarVector(hook, new EquatableArray<int>(shape)));
        }
        return new VectorSidecarInfo(model, new EquatableArray<SidecarVector>(vectors), architecture, dimensions);
    }

    private static string Text(JsonNode node, string what)
    {
        ModelSchemaReader.Expect(node, JsonKind.String, "'" + what + "'");
        return node.Text!;
    }
}

/// <summary>A vector sidecar's content.</summary>
/// <param name="Model">The schema name the vectors were made for, when recorded.</param>
/// <param name="Vectors">The vectors in the file.</param>
/// <param name="Architecture">The architecture (<c>model_type</c>) of that model, when recorded.</param>
/// <param name="Dimensions">The sizes of that model, when recorded.</param>
public sealed record VectorSidecarInfo(string? Model, EquatableArray<SidecarVector> Vectors, string? Architecture = null, ModelDimensions? Dimensions = null);

/// <summary>One vector of a sidecar: the hook point it was made at, as written, and its shape.</summary>
/// <param name="Hook">The hook name.</param>
/// <param name="Shape">The tensor's shape.</param>
public sealed record SidecarVector(string Hook, EquatableArray<int> Shape);
