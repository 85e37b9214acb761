using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Steering.Generators;
using Steering.Schema;

// The generator on an 80-layer schema (Llama-3-70B-shaped: 1,362 hook points) with 500 [SteerAt] classes:
//   full run      a fresh driver over the whole compilation (what a clean build does)
//   unrelated     the previous driver after an edit to a file with no [SteerAt] (what typing in the IDE does)
// Each figure is the median of several runs after a warm-up; the first (cold, JIT included) run is printed too.
var dimensions = new ModelDimensions(8192, 80, 64, 8, 128, 28672, 128256, 8192);
var schema = new ModelSchema(ModelSchema.CurrentFormat, "llama-80", "llama", dimensions,
    HookCatalog.ForDecoder(dimensions, hasPositionEmbedding: false, hasGatedMlp: true));
var schemaFile = new Text("/bench/llama-80.schema.json", ModelSchemaWriter.Write(schema));

const string Attributes = """
    namespace Steering
    {
        [System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = true)]
        public sealed class SteerAtAttribute : System.Attribute
        {
            public SteerAtAttribute(string hookName) { }
            public string? Name { get; set; }
            public string? Vector { get; set; }
            public string? Schema { get; set; }
        }
    }
    """;
var sites = new[] { "resid_post", "resid_pre", "attn_out", "mlp_out", "mlp.post", "attn.z" };
var classes = new StringBuilder("namespace Bench;\n");
for (var i = 0; i < 500; i++)
{
    classes.Append(CultureInfo.InvariantCulture, $"[Steering.SteerAt(\"blocks.{i % 80}.{sites[i % sites.Length]}\")]");
    if (i % 2 == 0) classes.Append(CultureInfo.InvariantCulture, $"[Steering.SteerAt(\"blocks.{(i + 7) % 80}.hook_resid_mid\", Name = \"Mid\")]");
    classes.Append(CultureInfo.InvariantCulture, $"\npublic partial class Steer{i} {{ }}\n");
}
var parse = new CSharpParseOptions(LanguageVersion.Latest);
var unrelatedPath = "/bench/Unrelated.cs";
SyntaxTree Unrelated(int n) => CSharpSyntaxTree.ParseText($"namespace Bench; public static class Unrelated {{ public static int X => {n}; }}", parse, unrelatedPath);
var compilation = CSharpCompilation.Create("Bench",
    new[] { CSharpSyntaxTree.ParseText(Attributes, parse, "/bench/Attributes.cs"), CSharpSyntaxTree.ParseText(classes.ToString(), parse, "/bench/Classes.cs"), Unrelated(0) },
    Basic.Reference.Assemblies.Net100.References.All,
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(new[] { new SteerAtGenerator().AsSourceGenerator() }, new AdditionalText[] { schemaFile }, parse);

double Time(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed.TotalMilliseconds;
}

// Fresh compilations each time so Roslyn's own semantic caches do not flatter the full run.
Compilation Fresh() => compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), parse, t.FilePath)));

GeneratorDriver driver = NewDriver();
var cold = Time(() => driver = driver.RunGenerators(Fresh()));
var result = driver.GetRunResult();
Console.WriteLine($"schema: {schema.HookPoints.Count} hook points, {dimensions.NLayers} layers; 500 classes; generated {result.GeneratedTrees.Length} files, {result.Diagnostics.Length} diagnostics");
Console.WriteLine($"cold full run (JIT included): {cold:F1} ms");

var full = new List<double>();
for (var i = 0; i < 15; i++)
{
    var fresh = Fresh();
    var d = NewDriver();
    full.Add(Time(() => d.RunGenerators(fresh)));
}

var edits = new List<double>();
var current = Fresh();
driver = NewDriver().RunGenerators(current);
for (var i = 1; i <= 30; i++)
{
    current = current.ReplaceSyntaxTree(current.SyntaxTrees.Single(t => t.FilePath == unrelatedPath), Unrelated(i));
    var before = driver;
    var c = current;
    edits.Add(Time(() => driver = before.RunGenerators(c)));
}

// The floor: a generator that only asks ForAttributeWithMetadataName for the same attribute and does nothing else.
var floorEdits = new List<double>();
var floorCurrent = Fresh();
GeneratorDriver floor = CSharpGeneratorDriver.Create(new[] { new Floor().AsSourceGenerator() }, parseOptions: parse).RunGenerators(floorCurrent);
for (var i = 1; i <= 30; i++)
{
    floorCurrent = floorCurrent.ReplaceSyntaxTree(floorCurrent.SyntaxTrees.Single(t => t.FilePath == unrelatedPath), Unrelated(i));
    var before = floor;
    var c = floorCurrent;
    floorEdits.Add(Time(() => floor = before.RunGenerators(c)));
}
Console.WriteLine($"floor (an empty ForAttributeWithMetadataName generator), unrelated edit: median {Median(floorEdits):F2} ms");

static double Median(List<double> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);
Console.WriteLine($"full run: median {Median(full):F1} ms (min {full.Min():F1}, max {full.Max():F1}) over {full.Count}");
Console.WriteLine($"unrelated edit: median {Median(edits):F2} ms (min {edits.Min():F2}, max {edits.Max():F2}) over {edits.Count}");

sealed class Floor : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context) =>
        context.RegisterSourceOutput(context.SyntaxProvider.ForAttributeWithMetadataName("Steering.SteerAtAttribute", (_, _) => true, (c, _) => c.TargetSymbol.Name), (_, _) => { });
}

sealed class Text(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
