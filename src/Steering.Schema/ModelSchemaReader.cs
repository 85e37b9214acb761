using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Steering.Schema;

/// <summary>
/// Reads the schema file <see cref="ModelSchemaWriter"/> writes (docs/schema-format.md), strictly, reporting the first
/// problem with its line and column. Shared by the runtime and the source generator (netstandard2.0, no System.Text.Json).
/// </summary>
public static class ModelSchemaReader
{
    private static readonly string[] DimensionNames =
    {
        HookDims.Batch, HookDims.Pos, HookDims.QueryPos, HookDims.KeyPos, HookDims.DModel, HookDims.NHeads,
        HookDims.NKvHeads, HookDims.DHead, HookDims.DMlp, HookDims.DVocab,
    };

    /// <summary>
    /// True when <paramref name="text"/> claims to be a schema: it has a <c>"hook_points"</c> property. The generator
    /// treats such <c>.json</c> AdditionalFiles as schemas (and reports their problems); other JSON files are ignored.
    /// </summary>
    public static bool LooksLikeSchema(string text) =>
        text is not null && text.Contains("\"hook_points\"");

    /// <summary>Reads a schema, or returns false with the first problem found.</summary>
    public static bool TryRead(string text, out ModelSchema? schema, out SchemaProblem? problem) =>
        SchemaReadException.Try(() => Read(text), out schema, out problem);

    /// <summary>Reads a schema.</summary>
    /// <exception cref="SchemaReadException">The text is not a schema this version reads; the problem says where.</exception>
    public static ModelSchema Read(string text)
    {
        var root = JsonParser.Parse(text ?? "");
        Expect(root, JsonKind.Object, "the schema");
        var formatNode = Required(root, "format", JsonKind.Number);
        var format = Int(formatNode, "format");
        if (format != ModelSchema.CurrentFormat)
            throw Problem(SchemaProblemKind.UnknownFormat,
                $"unknown schema format {format}; this version of Steering reads format {ModelSchema.CurrentFormat} (update the Steering package, or rewrite the schema with this version's 'steer schema')",
                formatNode);

        var model = Required(root, "model", JsonKind.Object);
        var name = Required(model, "name", JsonKind.String);
        if (name.Text!.Trim().Length == 0) throw Problem(SchemaProblemKind.Malformed, "'model.name' is empty", name);
        var architecture = Required(model, "architecture", JsonKind.String).Text!;

        var dimensions = Dimensions(Required(root, "dimensions", JsonKind.Object));

        var pointsNode = Required(root, "hook_points", JsonKind.Array);
        var points = new List<HookPointInfo>(pointsNode.Items.Count);
        var seen = new HashSet<string>();
        foreach (var item in pointsNode.Items)
        {
            Expect(item, JsonKind.Object, "a hook point");
            var pointName = Required(item, "name", JsonKind.String);
            var canonical = pointName.Text!;
            if (HookNames.Canonicalize(canonical) != canonical || !HookNames.TryParse(canonical, out var parsed))
                throw Problem(SchemaProblemKind.Inconsistent, $"'{canonical}' is not a canonical hook name (blocks.{{i}}.site, embed, ln_final…)", pointName);
            if (parsed.Layer is int layer && layer >= dimensions.NLayers)
                throw Problem(SchemaProblemKind.Inconsistent,
                    $"'{canonical}' is in block {layer}, but 'dimensions.n_layers' is {dimensions.NLayers}", pointName);
            if (!seen.Add(canonical))
                throw Problem(SchemaProblemKind.Inconsistent, $"the hook point '{canonical}' is listed twice", pointName);
            var dimsNode = Required(item, "dims", JsonKind.Array);
            var dims = new List<string>(dimsNode.Items.Count);
            foreach (var dim in dimsNode.Items)
            {
                Expect(dim, JsonKind.String, "a dimension name");
                var known = System.Array.IndexOf(DimensionNames, dim.Text);
                if (known < 0)
                    throw Problem(SchemaProblemKind.Inconsistent,
                        $"unknown dimension '{dim.Text}' (known: {string.Join(", ", DimensionNames)})", dim);
                dims.Add(DimensionNames[known]); // the shared constant, not the parsed copy: thousands of points, a few names
            }
            points.Add(new HookPointInfo(canonical, new EquatableArray<string>(dims)));
        }
        CheckBlocksAlike(points, dimensions, pointsNode);
        return new ModelSchema(format, name.Text!, architecture, dimensions, new EquatableArray<HookPointInfo>(points));
    }

    /// <summary>The <c>"dimensions"</c> object of a schema or vector sidecar: every size, positive.</summary>
    internal static ModelDimensions Dimensions(JsonNode sizes)
    {
        int Size(string key)
        {
            var node = Required(sizes, key, JsonKind.Number);
            var value = Int(node, "dimensions." + key);
            if (value <= 0) throw Problem(SchemaProblemKind.Inconsistent, $"'dimensions.{key}' must be positive, not {value}", node);
            return value;
        }
        return new ModelDimensions(
            Size(HookDims.DModel), Size(HookDims.NLayers), Size(HookDims.NHeads), Size(HookDims.NKvHeads),
            Size(HookDims.DHead), Size(HookDims.DMlp), Size(HookDims.DVocab), Size(HookDims.NCtx));
    }

    /// <summary>Every block must have the same sites with the same dims, and every block must be present.</summary>
    private static void CheckBlocksAlike(List<HookPointInfo> points, ModelDimensions dimensions, JsonNode pointsNode)
    {
        var byLayer = new Dictionary<int, List<string>>();
        foreach (var point in points)
        {
            if (!HookNames.TryParse(point.Name, out var parsed) || parsed.Layer is not int layer) continue;
            if (!byLayer.TryGetValue(layer, out var sites)) byLayer[layer] = sites = new List<string>();
            sites.Add(parsed.Site + " " + point.DimsText);
        }
        if (byLayer.Count == 0) return;
        var first = byLayer.Values.First();
        for (var layer = 0; layer < dimensions.NLayers; layer++)
        {
            if (!byLayer.TryGetValue(layer, out var sites))
                throw Problem(SchemaProblemKind.Inconsistent,
                    $"block {layer.ToString(CultureInfo.InvariantCulture)} has no hook points, but 'dimensions.n_layers' is {dimensions.NLayers.ToString(CultureInfo.InvariantCulture)}", pointsNode);
            if (!sites.SequenceEqual(first))
                throw Problem(SchemaProblemKind.Inconsistent,
                    $"block {layer.ToString(CultureInfo.InvariantCulture)} has other hook points or dims than block 0 (every block must have the same)", pointsNode);
        }
    }

    internal static JsonNode Required(JsonNode obj, string name, JsonKind kind)
    {
        var member = obj.Member(name)
            ?? throw Problem(SchemaProblemKind.Malformed, $"missing property '{name}'", obj);
        Expect(member.Value, kind, "'" + name + "'");
        return member.Value;
    }

    internal static void Expect(JsonNode node, JsonKind kind, string what)
    {
        if (node.Kind != kind)
            throw Problem(SchemaProblemKind.Malformed, $"{what} must be {new JsonNode(kind, node.Position).KindName}, not {node.KindName}", node);
    }

    internal static int Int(JsonNode node, string what)
    {
        if (!int.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Problem(SchemaProblemKind.Malformed, $"'{what}' must be a whole number, not {node.Text}", node);
        return value;
    }

    internal static SchemaReadException Problem(SchemaProblemKind kind, string message, JsonNode at) =>
        new(new SchemaProblem(kind, message, at.Position));
}
