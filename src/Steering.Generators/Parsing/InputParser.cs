using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Steering.Generators.Diagnostics;
using Steering.Generators.Model;
using Steering.Schema;

namespace Steering.Generators.Parsing;

/// <summary>Parses the generator's other inputs: schema and sidecar AdditionalFiles, and the assembly-level schema choice.</summary>
public static class InputParser
{
    /// <summary>True for AdditionalFiles the generator reads (JSON).</summary>
    public static bool IsJson(AdditionalText file) => file.Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A schema file, or null for a JSON file that is not one (no <c>"hook_points"</c>). Problems become a diagnostic
    /// located at the line and column in the file.
    /// </summary>
    public static SchemaFile? ParseSchema(AdditionalText file, CancellationToken cancellationToken)
    {
        var text = file.GetText(cancellationToken)?.ToString();
        if (text is null || !ModelSchemaReader.LooksLikeSchema(text)) return null;
        try
        {
            if (ModelSchemaReader.TryRead(text, out var schema, out var problem)) return new SchemaFile(file.Path, schema, null);
            var descriptor = problem!.Kind switch
            {
                SchemaProblemKind.UnknownFormat => DiagnosticDescriptors.UnknownSchemaFormat,
                SchemaProblemKind.Inconsistent => DiagnosticDescriptors.InconsistentSchema,
                _ => DiagnosticDescriptors.MalformedSchema,
            };
            var diagnostic = DiagnosticInfo.Create(descriptor, LocationInfo.InFile(file.Path, problem.Position), FileName(file.Path), problem.Message);
            return new SchemaFile(file.Path, null, diagnostic);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new SchemaFile(file.Path, null,
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, "reading " + FileName(file.Path), e.GetType().Name + ": " + e.Message));
        }
    }

    /// <summary>The MSBuild item metadata (CompilerVisibleItemMetadata) that names an embedded vector's resource.</summary>
    public const string ResourceMetadata = "build_metadata.AdditionalFiles.SteeringVectorResource";

    /// <summary>
    /// A vector sidecar (<c>*.safetensors.json</c>) or a pairs file (a JSON array); null for other JSON files. A sidecar
    /// the build made visible for an embedded <c>SteeringVector</c> item carries the resource name from its metadata.
    /// </summary>
    public static DataFile? ParseDataFile(AdditionalText file, AnalyzerConfigOptions options, CancellationToken cancellationToken)
    {
        var path = file.Path.Replace('\\', '/');
        var sidecar = path.EndsWith(".safetensors.json", StringComparison.OrdinalIgnoreCase);
        var text = file.GetText(cancellationToken)?.ToString();
        if (text is null || ModelSchemaReader.LooksLikeSchema(text) || (!sidecar && !ContrastPairsFile.LooksLikePairs(text))) return null;
        try
        {
            if (!sidecar)
            {
                return ContrastPairsFile.TryRead(text, out var pairs, out var pairsProblem)
                    ? new DataFile(path, null, pairs!.Count, null)
                    : new DataFile(path, null, null, FileName(path) + pairsProblem!.Position + ": " + pairsProblem.Message);
            }
            var resource = options.TryGetValue(ResourceMetadata, out var name) && !string.IsNullOrWhiteSpace(name) ? name.Trim() : null;
            return VectorSidecar.TryRead(text, out var info, out var problem)
                ? new DataFile(path, info, null, null, resource)
                : new DataFile(path, null, null, FileName(path) + problem!.Position + ": " + problem.Message, resource);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new DataFile(path, null, null, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Syntax filter for <c>[assembly: SteeringSchema("…")]</c>.</summary>
    public static bool IsAssemblyAttributeList(SyntaxNode node) =>
        node is AttributeListSyntax { Target.Identifier.ValueText: "assembly" } list
        && list.Attributes.Any(a => a.Name.ToString().IndexOf("SteeringSchema", StringComparison.Ordinal) >= 0);

    /// <summary>The schema name <c>[assembly: SteeringSchema("…")]</c> chooses in <paramref name="compilation"/>, if any (the analyzer's view).</summary>
    public static string? AssemblyChoice(Compilation compilation) =>
        compilation.Assembly.GetAttributes()
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == SteeringSchemaAttribute)?
            .ConstructorArguments.FirstOrDefault().Value as string;

    private const string SteeringSchemaAttribute = "Steering.SteeringSchemaAttribute";

    /// <summary>The schema name an assembly attribute list chooses, if it has <c>SteeringSchema</c>.</summary>
    public static AssemblySchemaChoice? ParseAssemblyChoice(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        foreach (var attribute in ((AttributeListSyntax)context.Node).Attributes)
        {
            var symbol = context.SemanticModel.GetSymbolInfo(attribute, cancellationToken).Symbol as IMethodSymbol;
            if (symbol?.ContainingType.ToDisplayString() != SteeringSchemaAttribute) continue;
            var argument = attribute.ArgumentList?.Arguments.FirstOrDefault();
            if (argument is null) continue;
            var value = context.SemanticModel.GetConstantValue(argument.Expression, cancellationToken);
            if (value.HasValue && value.Value is string name) return new AssemblySchemaChoice(name, LocationInfo.From(argument.Expression));
        }
        return null;
    }

    /// <summary>The file name of a path (either separator).</summary>
    public static string FileName(string path)
    {
        var slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash < 0 ? path : path.Substring(slash + 1);
    }
}
