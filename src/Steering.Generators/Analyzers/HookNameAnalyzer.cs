using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Steering.Generators.Diagnostics;
using Steering.Generators.Model;
using Steering.Generators.Parsing;
using Steering.Schema;

namespace Steering.Generators.Analyzers;

/// <summary>
/// Checks constants in code against the model schemas: string literals passed to parameters marked <c>[HookName]</c>
/// (<c>model.Hooks["…"]</c>, <c>scope.AddVector("…", v)</c>, <c>hooks.Cache("…", "…")</c>) with the generator's did-you-mean
/// message (STEER018), and constant block indices of the generated schema classes (<c>Gpt2.Blocks[99]</c>, STEER023).
/// The schemas in scope come from the generator's own rule (<see cref="SchemaChoice.InScope"/>) and its reader
/// (<see cref="InputParser.ParseSchema"/>); diagnostics are made as the generator makes them (<see cref="DiagnosticInfo"/>).
/// [SteerAt] arguments are the generator's to check.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HookNameAnalyzer : DiagnosticAnalyzer
{
    private const string HookNameAttribute = "Steering.HookNameAttribute";
    private const string SchemaIdentityType = "Steering.SchemaIdentity";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnknownHookNameArgument, DiagnosticDescriptors.BlockIndexOutOfRange);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var identity = start.Compilation.GetTypeByMetadataName(SchemaIdentityType);
            if (identity is not null) start.RegisterOperationAction(c => CheckBlockIndex(c, identity), OperationKind.PropertyReference);
            var attribute = start.Compilation.GetTypeByMetadataName(HookNameAttribute);
            if (attribute is null) return;
            var schemas = SchemasInScope(start.Options.AdditionalFiles, start.Compilation, start.CancellationToken);
            if (schemas.Count == 0) return;
            var checker = new Checker(attribute, schemas);
            start.RegisterOperationAction(checker.Analyze, OperationKind.Invocation, OperationKind.ObjectCreation, OperationKind.PropertyReference);
        });
    }

    private static IReadOnlyList<ModelSchema> SchemasInScope(ImmutableArray<AdditionalText> files, Compilation compilation, CancellationToken cancellationToken)
    {
        var schemas = files.Where(InputParser.IsJson)
            .Select(file => InputParser.ParseSchema(file, cancellationToken)?.Schema)
            .Where(schema => schema is not null).Select(schema => schema!).ToList();
        return schemas.Count <= 1 ? schemas : SchemaChoice.InScope(InputParser.AssemblyChoice(compilation), schemas);
    }

    // Gpt2.Blocks[99]: an indexer on a schema class's Blocks (a class with a SchemaIdentity Schema and a BlockCount
    // constant, as SchemaEmitter writes it) with a constant argument beyond the blocks.
    private static void CheckBlockIndex(OperationAnalysisContext context, INamedTypeSymbol identity)
    {
        if (context.Operation is not IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1 } indexer
            || indexer.Instance is not IPropertyReferenceOperation { Property: { Name: "Blocks", IsStatic: true } blocks }
            || indexer.Arguments[0].Value.ConstantValue is not { HasValue: true, Value: int index })
            return;
        var schemaClass = blocks.ContainingType;
        if (schemaClass.GetMembers("BlockCount").FirstOrDefault() is not IFieldSymbol { IsConst: true, ConstantValue: int count }
            || !schemaClass.GetMembers("Schema").OfType<IPropertySymbol>().Any(p => SymbolEqualityComparer.Default.Equals(p.Type, identity))
            || (index >= 0 && index < count))
            return;
        var at = indexer.Arguments[0].Value.Syntax;
        var info = DiagnosticInfo.Create(DiagnosticDescriptors.BlockIndexOutOfRange, null, schemaClass.Name, index.ToString(CultureInfo.InvariantCulture),
            HookNames.DescribeBlocks(count) + (count > 0 ? $"; did you mean Blocks[{(index < 0 ? 0 : count - 1)}]?" : ""));
        if (count > 0) info = info.WithProperty(DiagnosticDescriptors.SuggestionProperty, (index < 0 ? 0 : count - 1).ToString(CultureInfo.InvariantCulture));
        context.ReportDiagnostic(info.ToDiagnostic(at.GetLocation()));
    }

    private sealed class Checker
    {
        private readonly INamedTypeSymbol _attribute;
        private readonly List<(ModelSchema Schema, HashSet<string> Names)> _schemas;

        public Checker(INamedTypeSymbol attribute, IReadOnlyList<ModelSchema> schemas)
        {
            _attribute = attribute;
            _schemas = schemas.Select(s => (s, new HashSet<string>(s.HookPoints.Select(p => p.Name), StringComparer.Ordinal))).ToList();
        }

        public void Analyze(OperationAnalysisContext context)
        {
            var arguments = context.Operation switch
            {
                IInvocationOperation invocation => invocation.Arguments,
                IObjectCreationOperation creation => creation.Arguments,
                IPropertyReferenceOperation property => property.Arguments,
                _ => ImmutableArray<IArgumentOperation>.Empty,
            };
            foreach (var argument in arguments)
            {
                if (argument.Parameter is null || !argument.Parameter.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _attribute)))
                    continue;
                if (argument.ArgumentKind == ArgumentKind.ParamArray && argument.Value is IArrayCreationOperation { Initializer: { } initializer })
                {
                    foreach (var element in initializer.ElementValues) Check(context, element);
                }
                else
                {
                    Check(context, argument.Value);
                }
            }
        }

        private void Check(OperationAnalysisContext context, IOperation value)
        {
            while (value is IConversionOperation conversion) value = conversion.Operand;
            if (value is not ILiteralOperation { ConstantValue: { HasValue: true, Value: string name } } literal) return;
            if (literal.Syntax is not LiteralExpressionSyntax syntax || !syntax.IsKind(SyntaxKind.StringLiteralExpression)) return;
            var canonical = HookNames.Canonicalize(name);
            if (_schemas.Any(s => s.Names.Contains(canonical))) return;
            var (schema, names) = _schemas[0];
            var info = ClassResolver.UnknownHook(DiagnosticDescriptors.UnknownHookNameArgument, DiagnosticDescriptors.UnknownHookNameArgument,
                name, schema, names, null);
            context.ReportDiagnostic(info.ToDiagnostic(syntax.GetLocation()));
        }
    }
}
