using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Steering.Generators.Diagnostics;
using Steering.Generators.Emit;
using Steering.Generators.Model;
using Steering.Generators.Parsing;
using Steering.Schema;

namespace Steering.Generators;

/// <summary>
/// The [SteerAt] source generator: the pipeline only. Classes (<see cref="ClassParser"/>) and schema, sidecar and
/// pairs AdditionalFiles (<see cref="InputParser"/>) become plain equatable models, are resolved together
/// (<see cref="ClassResolver"/>) and emitted (<see cref="ClassEmitter"/>, <see cref="SchemaEmitter"/>). Source and
/// diagnostics are separate outputs; nothing in the pipeline holds a symbol, syntax node, location or compilation.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SteerAtGenerator : IIncrementalGenerator
{
    /// <summary>The namespace of schema classes when the project has no RootNamespace.</summary>
    public const string DefaultSchemaNamespace = "Steering.Models.Schemas";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var classes = context.SyntaxProvider.ForAttributeWithMetadataName(
                ClassParser.SteerAtAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, ct) => ClassParser.Parse(ctx, ct))
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .WithTrackingName(TrackingNames.Classes);

        var json = context.AdditionalTextsProvider.Where(static f => InputParser.IsJson(f));
        var schemaFiles = json
            .Select(static (f, ct) => InputParser.ParseSchema(f, ct))
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(TrackingNames.SchemaFiles);
        var schemas = schemaFiles.Collect()
            .Select(static (all, _) => new EquatableArray<SchemaFile>(all.OrderBy(s => s.Path, StringComparer.Ordinal)))
            .WithTrackingName(TrackingNames.AllSchemas);
        // Vector sidecars and pairs files, with the item metadata the build gives (an embedded vector's resource name).
        var dataFiles = json.Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (input, ct) => InputParser.ParseDataFile(input.Left, input.Right.GetOptions(input.Left), ct))
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(TrackingNames.DataFiles)
            .Collect()
            .Select(static (all, _) => new EquatableArray<DataFile>(all.OrderBy(s => s.Path, StringComparer.Ordinal)))
            .WithTrackingName(TrackingNames.AllDataFiles);

        var choice = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => InputParser.IsAssemblyAttributeList(node),
                static (ctx, ct) => InputParser.ParseAssemblyChoice(ctx, ct))
            .Where(static c => c is not null)
            .Collect()
            .Select(static (all, _) => all.IsEmpty ? null : all[0])
            .WithTrackingName(TrackingNames.AssemblySchemaChoice);

        var rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) =>
                options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns.Trim() : null)
            .WithTrackingName(TrackingNames.RootNamespace);

        var resolved = classes
            .Combine(schemas.Combine(dataFiles).Combine(choice))
            .Select(static (input, _) => ClassResolver.Resolve(input.Left, input.Right.Left.Left, input.Right.Left.Right, input.Right.Right))
            .WithTrackingName(TrackingNames.ResolvedClasses);

        context.RegisterSourceOutput(resolved.Select(static (r, _) => r.Model).Where(static m => m is not null), static (spc, model) =>
        {
            try
            {
                spc.AddSource(Naming.HintName(model!.FullName, ".SteerAt.g.cs"), ClassEmitter.Emit(model));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, "emitting " + model!.Name, e.GetType().Name + ": " + e.Message));
            }
        });
        // Only classes with diagnostics meet the compilation, and only here at the output: it maps each recorded file path
        // back to its syntax tree, so the diagnostic is in source (pragmas, squiggles, code fixes) without a Location
        // ever entering the cached models.
        var classDiagnostics = resolved.Select(static (r, _) => r.Diagnostics).Where(static d => d.Count > 0);
        context.RegisterSourceOutput(classDiagnostics.Combine(context.CompilationProvider), static (spc, input) =>
        {
            foreach (var diagnostic in input.Left) spc.ReportDiagnostic(diagnostic.ToDiagnostic(input.Right));
        });
        context.RegisterSourceOutput(schemaFiles.Where(static s => s.Problem is not null), static (spc, file) =>
            spc.ReportDiagnostic(file.Problem!.ToDiagnostic()));

        var schemaClasses = schemas.Combine(rootNamespace)
            .Select(static (input, _) => SchemaClasses(input.Left, input.Right))
            .WithTrackingName(TrackingNames.SchemaClasses);
        context.RegisterSourceOutput(schemaClasses, static (spc, models) =>
        {
            foreach (var model in models)
            {
                try
                {
                    spc.AddSource(Naming.HintName(model.Namespace + "." + model.ClassName, ".Schema.g.cs"), SchemaEmitter.Emit(model));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, "emitting schema " + model.ClassName, e.GetType().Name + ": " + e.Message));
                }
            }
        });
    }

    /// <summary>One class per valid schema; names made unique (a second <c>Gpt2</c> becomes <c>Gpt2_2</c>).</summary>
    private static EquatableArray<SchemaClassModel> SchemaClasses(EquatableArray<SchemaFile> schemas, string? rootNamespace)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var models = new List<SchemaClassModel>();
        foreach (var file in schemas)
        {
            if (file.Schema is null) continue;
            var name = Naming.FromModelName(file.Schema.Name);
            var unique = name;
            for (var n = 2; !used.Add(unique); n++) unique = name + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            models.Add(new SchemaClassModel(rootNamespace ?? DefaultSchemaNamespace, unique, file.Path, file.Schema));
        }
        return new EquatableArray<SchemaClassModel>(models);
    }
}
