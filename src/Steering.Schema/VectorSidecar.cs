using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Steering.Schema;

/// <summary>
/// The small JSON file written beside every vector file (<c>love.safetensors.json</c>) so the compiler can check a
/// <c>[SteerAt(..., Vector = "love.safetensors")]</c> site: analyzers cannot read binary files, but they can read this.
/// Format 1: <c>{ "format": 1, "model": "gpt2", "vectors": [ { "hook": "blocks.5.resid_post", "shape": [768] } ] }</c>.
/// </summary>
public static class VectorSidecar
{
    /// <summary>The sidecar's path for a vector file.</summary>
    public static string PathFor(string vectorPath) => vectorPath + ".json";

    /// <summary>The sidecar's text for vectors at <paramref name="vectors"/> (hook name → shape).</summary>
    public static string Write(string? modelName, IEnumerable<KeyValuePair<string, IReadOnlyList<int>>> vectors)
    {
        var json = new StringBuilder("{\n  \"format\": 1,\n");
        if (modelName is not null) json.Append("  \"model\": ").Append(ModelSchemaWriter.Quote(modelName)).Append(",\n");
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
}
