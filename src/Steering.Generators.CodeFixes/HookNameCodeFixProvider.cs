using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Steering.Generators.Diagnostics;

namespace Steering.Generators.CodeFixes;

/// <summary>
/// Replaces the literal a diagnostic points at with its did-you-mean suggestion: an unknown hook name (STEER001,
/// STEER002, STEER018) or a block index beyond the model (STEER023).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HookNameCodeFixProvider)), Shared]
public sealed class HookNameCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnknownHookName.Id, DiagnosticDescriptors.LayerOutOfRange.Id, DiagnosticDescriptors.UnknownHookNameArgument.Id,
        DiagnosticDescriptors.BlockIndexOutOfRange.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.SuggestionProperty, out var suggestion) || suggestion is null) continue;
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not LiteralExpressionSyntax literal) continue;
            LiteralExpressionSyntax replacement;
            if (literal.IsKind(SyntaxKind.StringLiteralExpression))
                replacement = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(suggestion));
            else if (literal.IsKind(SyntaxKind.NumericLiteralExpression) && int.TryParse(suggestion, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                replacement = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(number));
            else
                continue;
            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use {replacement}",
                    _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(literal, replacement.WithTriviaFrom(literal)))),
                    equivalenceKey: "Steering.Suggestion:" + suggestion),
                diagnostic);
        }
    }
}
