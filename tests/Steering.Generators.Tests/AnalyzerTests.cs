extern alias Generators;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Steering.Generators.Tests.Support;
using HookNameAnalyzer = Generators::Steering.Generators.Analyzers.HookNameAnalyzer;
using HookNameCodeFixProvider = Generators::Steering.Generators.CodeFixes.HookNameCodeFixProvider;

namespace Steering.Generators.Tests;

/// <summary>The [HookName] string-literal analyzer (STEER018) and the did-you-mean code fix.</summary>
public sealed class AnalyzerTests
{
    private static string Code(string body) => $$"""
        using Steering;
        using Steering.Editing;
        public static class Use
        {
            public static void Run(HookedTransformer model, TorchSharp.torch.Tensor v)
            {
                {{body}}
            }
        }
        """;

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string source, params AdditionalText[] files)
    {
        var compilation = Harness.Compile(source);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var options = new AnalyzerOptions(files.Length == 0 ? ImmutableArray.Create(Harness.Schema()) : files.ToImmutableArray());
        return await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new HookNameAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("using var scope = model.Hooks.CreateScope().AddVector(\"blocks.1.resid_pst\", v);", "\"blocks.1.resid_pst\"")]
    [InlineData("var point = model.Hooks[\"blocks.1.resid_pst\"];", "\"blocks.1.resid_pst\"")]
    [InlineData("var run = model.RunWithCache(\"hi\", \"embed\", \"blocks.1.resid_pst\");", "\"blocks.1.resid_pst\"")]
    [InlineData("using var h = model.Hook(\"blocks.1.resid_pst\", (x, c) => x);", "\"blocks.1.resid_pst\"")]
    [InlineData("var spec = SteeringSpec.Empty.Ablate(\"embed\", v).Add(\"blocks.1.resid_pst\", v, 2);", "\"blocks.1.resid_pst\"")]
    [InlineData("using var s = model.Hooks.CreateScope(); var c = s.Cache(\"embed\", \"blocks.1.resid_pst\");", "\"blocks.1.resid_pst\"")]
    [InlineData("var p = model.Hooks.Resolve(\"blocks.1.resid_pst\");", "\"blocks.1.resid_pst\"")]
    public async Task STEER018_flags_unknown_literals_passed_as_hook_names(string statement, string text)
    {
        var diagnostics = await Analyze(Code(statement));

        var d = Assert.Single(diagnostics);
        Assert.Equal("STEER018", d.Id);
        Assert.Equal(text, d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Assert.StartsWith("no hook point 'blocks.1.resid_pst'; did you mean 'blocks.1.resid_post'", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.EndsWith("? (schema 'gpt2')", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Equal("blocks.1.resid_post", d.Properties["Suggestion"]);
    }

    [Fact]
    public async Task STEER018_reports_layers_beyond_the_model()
    {
        var d = Assert.Single(await Analyze(Code("var p = model.Hooks[\"blocks.7.resid_post\"];")));
        Assert.Contains("the model has 2 blocks (0 to 1); did you mean 'blocks.1.resid_post'?", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task STEER018_negative_known_names_aliases_variables_and_no_schema() 
    {
        Assert.Empty(await Analyze(Code("var name = \"x\"; var p = model.Hooks[\"blocks.1.hook_resid_post\"]; var q = model.Hooks[name]; var r = model.RunWithCache(\"blocks.1.resid_pst\");")));
        Assert.Empty(await Analyze(Code("var p = model.Hooks[\"blocks.1.resid_pst\"];"), new MemoryAdditionalText("/p/other.json", "{}")));
    }

    [Fact]
    public async Task Code_fix_replaces_the_literal_with_the_suggestion()
    {
        var source = Code("var p = model.Hooks[\"blocks.1.resid_pst\"];\n        var q = model.Hooks[\"ln_fnal\"];");
        var fixedText = await ApplyFixes(source);

        Assert.Contains("model.Hooks[\"blocks.1.resid_post\"]", fixedText, System.StringComparison.Ordinal);
        Assert.Contains("model.Hooks[\"ln_final\"]", fixedText, System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_fix_offers_nothing_without_a_suggestion()
    {
        var source = Code("var p = model.Hooks[\"completely.different.thing\"];");
        var (document, diagnostics) = await Setup(source);
        var d = Assert.Single(diagnostics);
        var actions = new List<CodeAction>();
        await new HookNameCodeFixProvider().RegisterCodeFixesAsync(new CodeFixContext(document, d, (a, _) => actions.Add(a), CancellationToken.None));
        Assert.Empty(actions);
    }

    // The generated schema class as SchemaEmitter writes it (BlockCount, Schema, Blocks), so the analyzer sees it as it would.
    private static string WithSchemaClass(string body) => Code(body) + "\n" + Generated("Demo");

    private static string Generated(string rootNamespace)
    {
        var run = Harness.Run("", rootNamespace: rootNamespace);
        return run.Sources[rootNamespace + ".Gpt2.Schema.g.cs"];
    }

    [Theory]
    [InlineData("var p = Demo.Gpt2.Blocks[99].ResidPost;", "99", "Gpt2.Blocks[99]: the model has 2 blocks (0 to 1); did you mean Blocks[1]?", "1")]
    [InlineData("var p = Demo.Gpt2.Blocks[-1].ResidPost;", "-1", "Gpt2.Blocks[-1]: the model has 2 blocks (0 to 1); did you mean Blocks[0]?", "0")]
    [InlineData("const int Layer = 2; var p = Demo.Gpt2.Blocks[Layer].AttnZ;", "Layer", "Gpt2.Blocks[2]", "1")]
    public async Task STEER023_a_constant_block_index_beyond_the_model(string statement, string at, string message, string suggestion)
    {
        var d = Assert.Single(await Analyze(WithSchemaClass(statement)));

        Assert.Equal("STEER023", d.Id);
        Assert.Equal(at, d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Assert.StartsWith(message, d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Equal(suggestion, d.Properties["Suggestion"]);
    }

    [Fact]
    public async Task STEER023_negative_indices_in_range_and_variables() =>
        Assert.Empty(await Analyze(WithSchemaClass("var i = 5; var p = Demo.Gpt2.Blocks[1].ResidPost; var q = Demo.Gpt2.Blocks[0].Ln1; var r = Demo.Gpt2.Blocks[i]; var l = new System.Collections.Generic.List<int> { 1 }[7];")));

    [Fact]
    public async Task Code_fix_replaces_a_block_index_with_the_last_block()
    {
        var fixedText = await ApplyFixes(WithSchemaClass("var p = Demo.Gpt2.Blocks[99].ResidPost;"));

        Assert.Contains("Demo.Gpt2.Blocks[1].ResidPost", fixedText, System.StringComparison.Ordinal);
    }

    private static async Task<(Document, ImmutableArray<Diagnostic>)> Setup(string source)
    {
        var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Consumer", LanguageNames.CSharp)
            .WithMetadataReferences(Harness.References)
            .WithParseOptions(Harness.ParseOptions)
            .WithCompilationOptions(Harness.CompilationOptions)
            .AddAnalyzerReference(new Microsoft.CodeAnalysis.Diagnostics.AnalyzerImageReference(ImmutableArray.Create<DiagnosticAnalyzer>(new HookNameAnalyzer())));
        var document = project.AddDocument("Use.cs", SourceText.From(source));
        project = document.Project.AddAdditionalDocument("gpt2.schema.json", SourceText.From(Harness.TinySchemaJson()), filePath: Harness.SchemaPath).Project;
        document = project.GetDocument(document.Id)!;
        var compilation = (await project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new HookNameAnalyzer()), project.AnalyzerOptions)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return (document, diagnostics);
    }

    private static async Task<string> ApplyFixes(string source)
    {
        for (var round = 0; round < 5; round++)
        {
            var (document, diagnostics) = await Setup(source);
            if (diagnostics.IsEmpty) return source;
            var actions = new List<CodeAction>();
            await new HookNameCodeFixProvider().RegisterCodeFixesAsync(new CodeFixContext(document, diagnostics[0], (a, _) => actions.Add(a), CancellationToken.None));
            var action = Assert.Single(actions);
            var operation = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
            var changed = operation.ChangedSolution.GetDocument(document.Id)!;
            source = (await changed.GetTextAsync()).ToString();
        }
        return source;
    }
}
