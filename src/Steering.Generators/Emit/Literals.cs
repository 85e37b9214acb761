using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using Microsoft.CodeAnalysis.CSharp;
using Steering.Schema;

namespace Steering.Generators.Emit;

/// <summary>C# literals and XML-doc text for generated code.</summary>
internal static class Literals
{
    public static string String(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture) + "d";

    public static string Strings(IEnumerable<string> values) => "new string[] { " + string.Join(", ", values.Select(String)) + " }";

    public static string Ints(IEnumerable<int> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? "global::System.Array.Empty<int>()" : "new int[] { " + string.Join(", ", list.Select(Int)) + " }";
    }

    public static string Doc(string text) => SecurityElement.Escape(text) ?? "";

    public static string Dims(IEnumerable<string> dims) => "[" + string.Join(", ", dims) + "]";

    public static string Shape(IEnumerable<int> sizes) => "[" + string.Join(", ", sizes.Select(Int)) + "]";

    public static string SchemaIdentity(string name, string architecture, ModelDimensions d) =>
        $"new global::Steering.SchemaIdentity({String(name)}, {String(architecture)}, new global::Steering.Schema.ModelDimensions(" +
        string.Join(", ", new[] { d.DModel, d.NLayers, d.NHeads, d.NKvHeads, d.DHead, d.DMlp, d.DVocab, d.NCtx }.Select(Int)) + "))";
}
