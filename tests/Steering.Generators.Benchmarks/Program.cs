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

// The generator on an 80-layer schema (Llama-3-70B-shaped: 1,282 hook points) with 500 [SteerAt] classes, against the
// floor — a generator that only asks ForAttributeWithMetadataName for [SteerAt] and does nothing else, i.e. what the
// Roslyn driver and the compilation cost for 500 attribute matches whatever a generator does:
//   full run      a fresh driver over a fresh compilation (what a clean build does)
//   unrelated     the previous driver after an edit to a file with no [SteerAt] and no schema change (typing in the IDE)
// Generator and floor runs are interleaved (noise hits both alike); a full GC precedes each timed run. Medians and minimums
// after a warm-up long enough for tiered JIT to settle (Roslyn itself is mostly tier-0 for the first dozen runs).
// Options: --runs N (full runs, default 30), --edits N (default 60), --warmup N (default 30 of each), --steps (per-step
// times, tracked), --all (every timing), --cpu (CPU time instead of wall-clock time).
var fullRuns = Option("--runs", 30);
var editRuns = Option("--edits", 60);
var showSteps = args.Contains("--steps");
var warmUp = Option("--warmup", 30);

var dimensions = new ModelDimensions(8192, 80, 64, 8, 128, 28672, 128256, 8192);
var schema = new ModelSchema(ModelSchema.CurrentFormat, "llama-80", "llama", dimensions,
    HookCatalog.ForDecoder(dimensions, new DecoderHookLayout(LearnedPositions: false, Rotary: true, GatedMlp: true, PostSublayerNorms: false)));
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

var driverOptions = new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: showSteps);
GeneratorDriver Steering() => CSharpGeneratorDriver.Create(new[] { new SteerAtGenerator().AsSourceGenerator() }, new AdditionalText[] { schemaFile }, parse, driverOptions: driverOptions);
GeneratorDriver Floor() => CSharpGeneratorDriver.Create(new[] { new FloorGenerator().AsSourceGenerator() }, new AdditionalText[] { schemaFile }, parse, driverOptions: driverOptions);

// Fresh compilations each time so Roslyn's own semantic caches (bound attributes, symbols) do not flatter the full run.
Compilation Fresh() => compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), parse, t.FilePath)));

// --cpu: the process's CPU time instead of wall-clock time. On a machine shared with other builds the wall clock also
// counts the time this process waited for a core; its own CPU time (GC threads included) does not.
var cpuTime = args.Contains("--cpu");
double Time(Action action)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var cpu = Environment.CpuUsage.TotalTime;
    var watch = Stopwatch.StartNew();
    action();
    return cpuTime ? (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds : watch.Elapsed.TotalMilliseconds;
}

GeneratorDriver driver = Steering();
// Cold: the floor first (it pays for JIT-compiling the driver and the compiler's binding), then the generator (its own JIT).
var coldCompilation = Fresh();
var coldFloor = Time(() => Floor().RunGenerators(coldCompilation));
coldCompilation = Fresh();
var cold = Time(() => driver = driver.RunGenerators(coldCompilation));
var result = driver.GetRunResult();
Console.WriteLine($"schema: {schema.HookPoints.Count} hook points, {dimensions.NLayers} layers; 500 classes; generated {result.GeneratedTrees.Length} files, {result.Diagnostics.Length} diagnostics");
Console.WriteLine($"cold full run (JIT included): floor first {coldFloor:F1} ms, then Steering {cold:F1} ms");

// Full runs: fresh driver, fresh compilation; warm-up first.
var full = new List<double>();
var fullFloor = new List<double>();
for (var i = -warmUp; i < fullRuns; i++)
{
    var c1 = Fresh();
    var d1 = Steering();
    var steering = Time(() => d1 = d1.RunGenerators(c1));
    var c2 = Fresh();
    var d2 = Floor();
    var floor = Time(() => d2 = d2.RunGenerators(c2));
    if (i < 0) continue;
    full.Add(steering);
    fullFloor.Add(floor);
    if (showSteps && i == fullRuns - 1) Steps("full run", d1);
}

// Unrelated edits: the same driver, the edit replaces only the file with no attribute.
var edits = new List<double>();
var editFloor = new List<double>();
var current = Fresh();
var floorCurrent = Fresh();
driver = Steering().RunGenerators(current);
var floorDriver = Floor().RunGenerators(floorCurrent);
for (var i = -warmUp; i < editRuns; i++)
{
    var n = i + warmUp + 1;
    current = current.ReplaceSyntaxTree(current.SyntaxTrees.Single(t => t.FilePath == unrelatedPath), Unrelated(n));
    floorCurrent = floorCurrent.ReplaceSyntaxTree(floorCurrent.SyntaxTrees.Single(t => t.FilePath == unrelatedPath), Unrelated(n));
    var (d1, c1, d2, c2) = (driver, current, floorDriver, floorCurrent);
    var steering = Time(() => driver = d1.RunGenerators(c1));
    var floor = Time(() => floorDriver = d2.RunGenerators(c2));
    if (i < 0) continue;
    edits.Add(steering);
    editFloor.Add(floor);
}
if (showSteps) Steps("unrelated edit", driver);

if (args.Contains("--all")) { Console.WriteLine("full: " + string.Join(" ", full.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))); Console.WriteLine("floor: " + string.Join(" ", fullFloor.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))); Console.WriteLine("edits: " + string.Join(" ", edits.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))); }
Console.WriteLine($"{"",-16}{"Steering median",16}{"min",9}{"floor median",14}{"min",9}   runs");
Report("full run", full, fullFloor);
Report("unrelated edit", edits, editFloor);

void Report(string what, List<double> steering, List<double> floor) =>
    Console.WriteLine($"{what,-16}{Median(steering),13:F1} ms{steering.Min(),6:F1} ms{Median(floor),11:F1} ms{floor.Min(),6:F1} ms   {steering.Count}");

static double Median(List<double> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

void Steps(string what, GeneratorDriver run)
{
    Console.WriteLine($"steps of the last {what} (tracked steps add overhead; relative figures only):");
    var generator = run.GetRunResult().Results.Single();
    foreach (var step in generator.TrackedSteps.Concat(generator.TrackedOutputSteps))
        Console.WriteLine($"  {step.Key,-28}{step.Value.Sum(s => s.ElapsedTime.TotalMilliseconds),9:F2} ms  {step.Value.Length,5} entries");
    var timing = run.GetTimingInfo();
    Console.WriteLine($"  driver total {timing.ElapsedTime.TotalMilliseconds:F2} ms, generator {timing.GeneratorTimes.Single().ElapsedTime.TotalMilliseconds:F2} ms");
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

sealed class FloorGenerator : IIncrementalGenerator
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
