using System.Globalization;
using System.Text;

namespace Steering.Schema;

/// <summary>Writes a <see cref="ModelSchema"/> as the JSON schema file, one hook point a line so diffs stay readable.</summary>
public static class ModelSchemaWriter
{
    /// <summary>The schema as JSON text (UTF-8 without BOM when saved; ends with a newline).</summary>
    public static string Write(ModelSchema schema)
    {
        var json = new StringBuilder();
        json.Append("{\n");
        json.Append("  \"format\": ").Append(schema.Format.ToString(CultureInfo.InvariantCulture)).Append(",\n");
        json.Append("  \"model\": { \"name\": ").Append(Quote(schema.Name))
            .Append(", \"architecture\": ").Append(Quote(schema.Architecture)).Append(" },\n");
        json.Append("  \"dimensions\": ");
        AppendDimensions(json, schema.Dimensions).Append(",\n");
        json.Append("  \"hook_points\": [\n");
        for (var i = 0; i < schema.HookPoints.Count; i++)
        {
            var point = schema.HookPoints[i];
            json.Append("    { \"name\": ").Append(Quote(point.Name)).Append(", \"dims\": [");
            for (var d = 0; d < point.Dims.Count; d++)
                json.Append(d == 0 ? "" : ", ").Append(Quote(point.Dims[d]));
            json.Append("] }").Append(i + 1 < schema.HookPoints.Count ? ",\n" : "\n");
        }
        json.Append("  ]\n}\n");
        return json.ToString();
    }

    /// <summary>The sizes as one JSON object on one line, by their schema names (also the vector sidecar's <c>"dimensions"</c>).</summary>
    internal static StringBuilder AppendDimensions(StringBuilder json, ModelDimensions dimensions)
    {
        json.Append('{');
        var first = true;
        foreach (var size in dimensions.Named())
        {
            json.Append(first ? " " : ", ").Append(Quote(size.Key)).Append(": ")
                .Append(size.Value.ToString(CultureInfo.InvariantCulture));
            first = false;
        }
        return json.Append(" }");
    }

    /// <summary>A JSON string literal.</summary>
    internal static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < ' ') text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}
