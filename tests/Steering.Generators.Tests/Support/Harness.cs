extern alias Generators;
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Steering.Schema;
using SteerAtGenerator = Generators::Steering.Generators.SteerAtGenerator;

namespace Steering.Generators.Tests.Support;

/// <summary>An AdditionalFiles item in memory.</summary>
public sealed class MemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>
/// build_property.* values as MSBuild would pass them (CompilerVisibleProperty), and build_metadata.AdditionalFiles.*
/// per file path (CompilerVisibleItemMetadata).
/// </summary>
public sealed class TestOptionsProvider(IReadOnlyDictionary<string, string> globals, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? files = null) : AnalyzerConfigOptionsProvider
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(globals);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(None);

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        new Options(files is not null && files.TryGetValue(textFile.Path, out var metadata) ? metadata : None);

    private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}

/// <summary>What a generator run gives.</summary>
public sealed record GeneratorRun(Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriver Driver, GeneratorDriverRunResult Result)
{
    /// <summary>Generated sources by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Compiler errors and warnings in the output compilation (generated code included).</summary>
    public IReadOnlyList<Diagnostic> CompileDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>The run's only generator diagnostic, asserted to be <paramref name="id"/>.</summary>
    public Diagnostic Single(string id)
    {
        var diagnostic = Assert.Single(GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        return diagnostic;
    }

    /// <summary>Asserts no generator diagnostic and a clean compile.</summary>
    public void AssertClean()
    {
        Assert.Empty(GeneratorDiagnostics);
        Assert.Empty(CompileDiagnostics);
    }
}

/// <summary>Compiles consumer code against the real runtime and drives the generator in process.</summary>
public static class Harness
{
    public const string SchemaPath = "/project/gpt2.schema.json";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(SteeringVectorSet).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location))
            .ToImmutableArray());

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>A small GPT-2-shaped schema (2 blocks, d_model 32): the tests' default.</summary>
    public static ModelSchema TinySchema(string name = "gpt2", int layers = 2, int width = 32) =>
        SchemaFor(name, new ModelDimensions(width, layers, 4, 4, width / 4, 4 * width, 50257, 64));

    public static ModelSchema SchemaFor(string name, ModelDimensions dimensions) =>
        new(ModelSchema.CurrentFormat, name, "gpt2", dimensions, HookCatalog.ForDecoder(dimensions, new DecoderHookLayout(LearnedPositions: true, Rotary: false, GatedMlp: false, PostSublayerNorms: false)));

    public static string TinySchemaJson(string name = "gpt2", int layers = 2) => ModelSchemaWriter.Write(TinySchema(name, layers));

    public static AdditionalText Schema(string? json = null, string path = SchemaPath) => new MemoryAdditionalText(path, json ?? TinySchemaJson());

    /// <summary>A consumer file: <c>using Steering;</c>, the attributes, the class.</summary>
    public static string Class(string attributes, string declaration = "public partial class C { }") =>
        "using Steering;\n" + attributes + "\n" + declaration + "\n";

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create("Consumer",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/project/Source{i}.cs")),
            References,
            CompilationOptions);

    /// <summary>As the SDK compiles: CS1701/CS1702 (assembly version unification) suppressed.</summary>
    public static readonly CSharpCompilationOptions CompilationOptions =
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress });

    /// <summary>A vector sidecar for <paramref name="vectorPath"/> (shape per hook), written as Save writes it for <paramref name="schema"/>.</summary>
    public static AdditionalText Sidecar(string vectorPath, ModelSchema schema, params (string Hook, int[] Shape)[] vectors) =>
        new MemoryAdditionalText(VectorSidecar.PathFor(vectorPath), VectorSidecar.Write(schema.Name,
            vectors.Select(v => new KeyValuePair<string, IReadOnlyList<int>>(v.Hook, v.Shape)), schema.Architecture, schema.Dimensions));

    /// <summary>The item metadata the package's build gives an embedded vector's sidecar.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Embedded(string sidecarPath, string resourceName) =>
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [sidecarPath] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.SteeringVectorResource"] = resourceName },
        };

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> additionalFiles, string? rootNamespace = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? fileMetadata = null)
    {
        var globals = new Dictionary<string, string>();
        if (rootNamespace is not null) globals["build_property.RootNamespace"] = rootNamespace;
        return CSharpGeneratorDriver.Create(
            new[] { new SteerAtGenerator().AsSourceGenerator() },
            additionalFiles,
            ParseOptions,
            new TestOptionsProvider(globals, fileMetadata),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    public static GeneratorRun Run(Compilation compilation, GeneratorDriver driver)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(output, diagnostics, driver, driver.GetRunResult());
    }

    /// <summary>Runs the generator over <paramref name="source"/> with <paramref name="additionalFiles"/> (default: the tiny schema).</summary>
    public static GeneratorRun Run(string source, IEnumerable<AdditionalText>? additionalFiles = null, string? rootNamespace = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? fileMetadata = null) =>
        Run(Compile(source), CreateDriver(additionalFiles ?? new[] { Schema() }, rootNamespace, fileMetadata));

    /// <summary>The source text a diagnostic points at (or the schema line for AdditionalFiles).</summary>
    public static string TextAt(Diagnostic diagnostic, Compilation compilation, IEnumerable<AdditionalText>? files = null)
    {
        var span = diagnostic.Location.SourceSpan;
        var path = diagnostic.Location.GetLineSpan().Path;
        var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
        if (tree is not null) return tree.GetText().ToString(span);
        var file = files?.FirstOrDefault(f => f.Path == path) ?? throw new InvalidOperationException("no file " + path);
        return file.GetText()!.ToString(span);
    }

    /// <summary>The folder of the calling source file (baselines live beside the tests).</summary>
    public static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
