extern alias Generators;
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Steering.Generators.Tests.Support;
using Steering.Schema;
using TrackingNames = Generators::Steering.Generators.TrackingNames;

namespace Steering.Generators.Tests;

/// <summary>The pipeline caches: unrelated edits leave every tracked step Cached/Unchanged; models hold no Roslyn objects.</summary>
public sealed class IncrementalityTests
{
    private const string Source = """
        using Steering;
        namespace Demo;
        [SteerAt("blocks.1.resid_post")]
        public partial class LoveHate { }
        [SteerAt("blocks.0.mlp_out", Name = "Mlp")]
        public partial class Other { }
        """;

    private static readonly AdditionalText Schema = Harness.Schema();

    private static readonly AdditionalText Sidecar = new MemoryAdditionalText("/project/love.safetensors.json",
        VectorSidecar.Write("gpt2", new[] { new KeyValuePair<string, IReadOnlyList<int>>("blocks.1.resid_post", new[] { 32 }) }));

    private static GeneratorRun FirstRun(out CSharpCompilation compilation)
    {
        compilation = Harness.Compile(Source, "namespace Demo; public static class Unrelated { public static int X => 1; }");
        return Harness.Run(compilation, Harness.CreateDriver(new[] { Schema, Sidecar }, "Demo"));
    }

    private static IEnumerable<(string Step, IncrementalStepRunReason Reason)> Reasons(GeneratorRun run) =>
        run.Result.Results.Single().TrackedSteps
            .Where(step => TrackingNames.All.Contains(step.Key))
            .SelectMany(step => step.Value.SelectMany(s => s.Outputs).Select(o => (step.Key, o.Reason)));

    [Fact]
    public void Same_input_twice_gives_cached_steps_and_no_new_source()
    {
        var first = FirstRun(out var compilation);
        var second = Harness.Run(compilation.Clone(), first.Driver);

        var reasons = Reasons(second).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{r.Step}: {r.Reason}"));
    }

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var first = FirstRun(out var compilation);
        var unrelated = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(unrelated,
            CSharpSyntaxTree.ParseText("namespace Demo; public static class Unrelated { public static int X => 2; public static int Y => 3; }", Harness.ParseOptions, unrelated.FilePath));

        var second = Harness.Run(edited, first.Driver);

        var steps = second.Result.Results.Single().TrackedSteps;
        foreach (var name in new[] { TrackingNames.Classes, TrackingNames.AllSchemas, TrackingNames.ResolvedClasses, TrackingNames.SchemaClasses, TrackingNames.RootNamespace, TrackingNames.AllDataFiles })
            Assert.True(steps.ContainsKey(name), "no tracked step " + name);
        Assert.All(Reasons(second), r => Assert.True(r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{r.Step}: {r.Reason}"));
        Assert.Empty(second.GeneratorDiagnostics);
    }

    [Fact]
    public void Editing_one_class_reruns_only_that_class()
    {
        var first = FirstRun(out var compilation);
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Source.Replace("blocks.0.mlp_out", "blocks.1.mlp_out", StringComparison.Ordinal), Harness.ParseOptions, tree.FilePath));

        var second = Harness.Run(edited, first.Driver);

        var resolved = second.Result.Results.Single().TrackedSteps[TrackingNames.ResolvedClasses].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.Contains(IncrementalStepRunReason.Modified, resolved);
        Assert.Contains(IncrementalStepRunReason.Cached, resolved);
    }

    private static IReadOnlyList<IncrementalStepRunReason> Outputs(GeneratorRun run, string step) =>
        run.Result.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    [Fact]
    public void Changing_one_sites_settings_reruns_only_that_class()
    {
        var first = FirstRun(out var compilation);
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(
            Source.Replace("Name = \"Mlp\")", "Name = \"Mlp\", Coefficient = 3, Positions = SteerPositions.First, Count = 2)", StringComparison.Ordinal),
            Harness.ParseOptions, tree.FilePath));

        var second = Harness.Run(edited, first.Driver);

        var resolved = Outputs(second, TrackingNames.ResolvedClasses);
        Assert.Equal(1, resolved.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, resolved.Count(r => r == IncrementalStepRunReason.Cached));
        Assert.All(Outputs(second, TrackingNames.AllSchemas).Concat(Outputs(second, TrackingNames.AllDataFiles)).Concat(Outputs(second, TrackingNames.SchemaClasses)),
            r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Contains("coefficient: 3d, positions: global::Steering.SteerPositions.First, count: 2", second.Sources["Demo.Other.SteerAt.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_unrelated_AdditionalFile_leaves_every_step_cached_or_unchanged()
    {
        var first = FirstRun(out var compilation);
        var driver = first.Driver.AddAdditionalTexts(ImmutableArray.Create<AdditionalText>(
            new MemoryAdditionalText("/project/appsettings.json", "{ \"Logging\": { } }"), new MemoryAdditionalText("/project/notes.txt", "hello")));

        var second = Harness.Run(compilation, driver);

        Assert.All(Reasons(second), r => Assert.True(r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{r.Step}: {r.Reason}"));
        Assert.Empty(second.GeneratorDiagnostics);
    }

    [Fact]
    public void Editing_a_vector_sidecar_reruns_the_data_steps_and_changes_only_the_class_that_uses_it()
    {
        const string WithVector = """
            using Steering;
            namespace Demo;
            [SteerAt("blocks.1.resid_post", Vector = "love.safetensors")]
            public partial class LoveHate { }
            [SteerAt("blocks.0.mlp_out", Name = "Mlp")]
            public partial class Other { }
            """;
        var compilation = Harness.Compile(WithVector);
        var first = Harness.Run(compilation, Harness.CreateDriver(new[] { Schema, Sidecar }, "Demo"));
        Assert.Empty(first.GeneratorDiagnostics);
        var other = Harness.TinySchema("gpt2-large", layers: 36);
        var driver = first.Driver.ReplaceAdditionalText(Sidecar, Harness.Sidecar("/project/love.safetensors", other, ("blocks.1.resid_post", new[] { 32 })));

        var second = Harness.Run(compilation, driver);

        Assert.Contains(IncrementalStepRunReason.Modified, Outputs(second, TrackingNames.DataFiles));
        Assert.Contains(IncrementalStepRunReason.Modified, Outputs(second, TrackingNames.AllDataFiles));
        var resolved = Outputs(second, TrackingNames.ResolvedClasses);
        Assert.Equal(1, resolved.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, resolved.Count(r => r == IncrementalStepRunReason.Unchanged));
        Assert.All(Outputs(second, TrackingNames.SchemaClasses), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Equal("STEER022", Assert.Single(second.GeneratorDiagnostics).Id);
    }

    [Fact]
    public void Editing_the_schema_reruns_the_schema_steps()
    {
        var first = FirstRun(out var compilation);
        var driver = first.Driver.ReplaceAdditionalText(Schema, Harness.Schema(Harness.TinySchemaJson(layers: 3)));

        var second = Harness.Run(compilation, driver);

        var steps = second.Result.Results.Single().TrackedSteps;
        Assert.Contains(steps[TrackingNames.SchemaFiles].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(steps[TrackingNames.SchemaClasses].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("new int[] { 32 }", second.Sources["Demo.LoveHate.SteerAt.g.cs"], StringComparison.Ordinal);
        Assert.Contains("3, 4, 4, 8", second.Sources["Demo.LoveHate.SteerAt.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void Tracking_names_are_all_used()
    {
        var run = FirstRun(out _);
        var steps = run.Result.Results.Single().TrackedSteps.Keys.ToHashSet();
        Assert.All(TrackingNames.All, name => Assert.Contains(name, steps));
    }

    [Fact]
    public void No_symbol_syntax_location_or_compilation_is_reachable_from_pipeline_models()
    {
        var run = FirstRun(out _);
        var outputs = run.Result.Results.Single().TrackedSteps
            .Where(step => TrackingNames.All.Contains(step.Key))
            .SelectMany(step => step.Value.SelectMany(s => s.Outputs).Select(o => o.Value)).ToList();
        Assert.NotEmpty(outputs);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var output in outputs) Walk(output, seen, "output");
    }

    private static readonly Type[] Banned = { typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree) };

    private static bool IsDefaultImmutableArray(object value) =>
        value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(ImmutableArray<>)
        && (bool)value.GetType().GetProperty("IsDefault")!.GetValue(value)!;

    private static void Walk(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        var type = value.GetType();
        Assert.False(Banned.Any(b => b.IsAssignableFrom(type)), $"{path} is a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items && !IsDefaultImmutableArray(value))
        {
            var i = 0;
            foreach (var item in items) Walk(item, seen, $"{path}[{i++}]");
        }
        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true && type.Namespace != "System.Collections.Immutable" && !type.IsGenericType)
            return;
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                Walk(field.GetValue(value), seen, path + "." + field.Name);
    }
}
