using System;
using System.Collections.Generic;
using System.Collections.Immutable;
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
/// Checks string literals passed to parameters marked <c>[HookName]</c> (<c>model.Hooks["…"]</c>, <c>scope.AddVector("…", v)</c>,
/// <c>hooks.Cache("…", "…")</c>) against the model schema in scope, with the generator's did-you-mean message (STEER018).
/// The schema in scope: the project's only schema, or the one <c>[assembly: SteeringSchema]</c> names; with several and
/// no choice, a name is accepted when any schema has it. [SteerAt] arguments are the generator's to check.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HookNameAnalyzer : DiagnosticAnalyzer
{
    private const string HookNameAttribute = "Steering.HookNameAttribute";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnknownHookNameArgument);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var attribute = start.Compilation.GetTypeByMetadataName(HookNameAttribute);
            if (attribute is null) return;
            var schemas = SchemasInScope(start.Options.AdditionalFiles, start.Compilation, start.CancellationToken);
            if (schemas.Count == 0) return;
            var checker = new Checker(attribute, schemas);
            start.RegisterOperationAction(checker.Analyze, OperationKind.Invocation, OperationKind.ObjectCreation, OperationKind.PropertyReference);
        });
    }

    private static List<ModelSchema> SchemasInScope(ImmutableArray<AdditionalText> files, Compilation compilation, CancellationToken cancellationToken)
    {
        var schemas = new List<ModelSchema>();
        foreach (var file in files)
        {
            if (!InputParser.IsJson(file)) continue;
            var text = file.GetText(cancellationToken)?.ToString();
            if (text is null || !ModelSchemaReader.LooksLikeSchema(text)) continue;
            if (ModelSchemaReader.TryRead(text, out var schema, out _)) schemas.Add(schema!);
        }
        if (schemas.Count <= 1) return schemas;
        var chosen = compilation.Assembly.GetAttributes()
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "Steering.SteeringSchemaAttribute")?
            .ConstructorArguments.FirstOrDefault().Value as string;
        var match = schemas.Where(s => s.Name == chosen).ToList();
        return match.Count > 0 ? match : schemas;
    }

    private sealed class Checker
    {
        private readonly INamedTypeSymbol _attribute;
        private readonly List<(ModelSchema Schema, HashSet<string> Names)> _schemas;

        public Checker(INamedTypeSymbol attribute, List<ModelSchema> schemas)
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
                name, schema, names, LocationInfo.From(syntax));
            var properties = ImmutableDictionary<string, string?>.Empty;
            for (var i = 0; i + 1 < info.PropertyPairs.Count; i += 2) properties = properties.SetItem(info.PropertyPairs[i], info.PropertyPairs[i + 1]);
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownHookNameArgument, syntax.GetLocation(), properties,
                info.Arguments.Cast<object>().ToArray()));
        }
    }
}
