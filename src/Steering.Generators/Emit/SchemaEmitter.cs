using System.Collections.Generic;
using Steering.Generators.Model;
using Steering.Generators.Parsing;
using Steering.Schema;

namespace Steering.Generators.Emit;

/// <summary>Emits a schema's static class of typed hook points (<c>Gpt2.Blocks[5].ResidPost</c>, <c>Gpt2.Embed</c>).</summary>
public static class SchemaEmitter
{
    private const string Ref = "global::Steering.HookPointRef";

    /// <summary>The source of <paramref name="model"/>'s class.</summary>
    public static string Emit(SchemaClassModel model)
    {
        var schema = model.Schema;
        var d = schema.Dimensions;
        var w = new SourceWriter(16384).Header($"Typed hook points of the model schema '{schema.Name}' ({InputParser.FileName(model.SourcePath)}).");
        w.Line("namespace " + model.Namespace).Open();
        w.Line($"/// <summary>The hook points of the model '{Literals.Doc(schema.Name)}' ({Literals.Doc(schema.Architecture)}: {d.NLayers} blocks, d_model {d.DModel}, {d.NHeads} heads, d_mlp {d.DMlp}), from {Literals.Doc(InputParser.FileName(model.SourcePath))}.</summary>");
        w.Line($"public static partial class {model.ClassName}").Open();
        w.Line("/// <summary>The schema's identity: <c>Schema.Check(model)</c> throws unless a model has its architecture and sizes.</summary>");
        w.Line($"public static global::Steering.SchemaIdentity Schema {{ get; }} = {Literals.SchemaIdentity(schema.Name, schema.Architecture, d)};");

        var blockSites = new List<(string Site, HookPointInfo Point)>();
        foreach (var point in schema.HookPoints)
        {
            if (!HookNames.TryParse(point.Name, out var parsed)) continue;
            if (parsed.Layer is int layer)
            {
                if (layer == 0) blockSites.Add((parsed.Site, point));
                continue;
            }
            w.Line();
            w.Line($"/// <summary>{Literals.Doc(point.Name)} {Literals.Doc(point.DimsText)}.</summary>");
            w.Line($"public static {Ref} {Naming.FromHookName(point.Name)} {{ get; }} = New({Literals.String(point.Name)}, {Literals.Strings(point.Dims)}, {Literals.Ints(point.VectorShapeIn(d))});");
        }

        w.Line();
        w.Line("/// <summary>How many blocks the model has: <c>Blocks[0]</c> to <c>Blocks[BlockCount - 1]</c> (a constant index beyond is a build error, STEER023).</summary>");
        w.Line($"public const int BlockCount = {d.NLayers};");
        w.Line();
        w.Line($"/// <summary>The {d.NLayers} blocks, by index: <c>Blocks[5].ResidPost</c>.</summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<Block> Blocks { get; } = CreateBlocks();");
        w.Line();
        w.Line("private static Block[] CreateBlocks()").Open();
        w.Line($"var blocks = new Block[{d.NLayers}];");
        w.Line("for (var i = 0; i < blocks.Length; i++) blocks[i] = new Block(i);");
        w.Line("return blocks;");
        w.Close();
        w.Line();
        w.Line($"private static {Ref} New(string name, string[] dims, int[] vectorShape) => new {Ref}(name, dims, vectorShape);");
        w.Line();
        w.Line("/// <summary>The hook points of one block.</summary>");
        w.Line("public sealed class Block").Open();
        w.Line("internal Block(int index)").Open();
        w.Line("Index = index;");
        w.Line("var prefix = \"blocks.\" + index.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \".\";");
        foreach (var (site, point) in blockSites)
            w.Line($"{Naming.FromHookName(site)} = New(prefix + {Literals.String(site)}, {Literals.Strings(point.Dims)}, {Literals.Ints(point.VectorShapeIn(d))});");
        w.Close();
        w.Line();
        w.Line("/// <summary>The block's index.</summary>");
        w.Line("public int Index { get; }");
        foreach (var (site, point) in blockSites)
        {
            w.Line();
            w.Line($"/// <summary>blocks.{{i}}.{Literals.Doc(site)} {Literals.Doc(point.DimsText)}.</summary>");
            w.Line($"public {Ref} {Naming.FromHookName(site)} {{ get; }}");
        }
        w.Close();
        w.Close();
        w.Close();
        return w.ToString();
    }
}
