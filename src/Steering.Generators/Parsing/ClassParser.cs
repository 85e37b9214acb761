using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Steering.Generators.Diagnostics;
using Steering.Generators.Model;
using Steering.Schema;

namespace Steering.Generators.Parsing;

/// <summary>Turns a [SteerAt] class (symbol and syntax) into a <see cref="ClassSpec"/> of plain values.</summary>
public static class ClassParser
{
    /// <summary>The attribute's metadata name.</summary>
    public const string SteerAtAttribute = "Steering.SteerAtAttribute";

    private const string BaseClass = "Steering.SteeringVectorSet";

    /// <summary>
    /// Parses the class. A class declared in several partial parts is parsed once, from the first part that carries a
    /// [SteerAt], with the attributes of all parts; the other parts give null.
    /// </summary>
    public static ClassSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type) return null;
        try
        {
            // One declaration (the usual case): the attributes ForAttributeWithMetadataName matched are all of them, in
            // order. Several partial parts: the [SteerAt]s of every part, compared by symbol (no display strings).
            IReadOnlyList<AttributeData> attributes;
            if (type.DeclaringSyntaxReferences.Length == 1)
            {
                attributes = context.Attributes;
            }
            else
            {
                var steerAt = context.Attributes.Length > 0 ? context.Attributes[0].AttributeClass : null;
                attributes = type.GetAttributes()
                    .Where(a => a.ApplicationSyntaxReference is not null && SymbolEqualityComparer.Default.Equals(a.AttributeClass, steerAt))
                    .ToList();
                if (attributes.Count == 0) return null;
                var first = attributes[0].ApplicationSyntaxReference!;
                if (first.SyntaxTree != context.TargetNode.SyntaxTree || !context.TargetNode.Span.Contains(first.Span)) return null;
            }
            if (attributes.Count == 0) return null;

            var sites = new SiteSpec[attributes.Count];
            for (var i = 0; i < sites.Length; i++) sites[i] = ParseSite(attributes[i], cancellationToken);
            return new ClassSpec(
                type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
                type.Name,
                type.ToDisplayString(),
                new EquatableArray<ContainingTypeSpec>(ContainingTypes(type)),
                ShapeProblem(type),
                type.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword)),
                LocationInfo.From(type.Locations.FirstOrDefault()),
                new EquatableArray<SiteSpec>(sites));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failure = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(context.TargetNode),
                "parsing " + type.Name, e.GetType().Name + ": " + e.Message);
            return new ClassSpec("", type.Name, type.ToDisplayString(), default, null, true, null, default, failure);
        }
    }

    private static SiteSpec ParseSite(AttributeData attribute, CancellationToken cancellationToken)
    {
        var syntax = attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken) as AttributeSyntax;
        LocationInfo? hookLocation = null, nameLocation = null, vectorLocation = null, schemaLocation = null;
        List<KeyValuePair<string, LocationInfo?>>? otherLocations = null;
        foreach (var argument in syntax?.ArgumentList?.Arguments ?? default)
        {
            var location = LocationInfo.From(argument.Expression);
            switch (argument.NameEquals?.Name.Identifier.ValueText)
            {
                case null: hookLocation ??= location; break;
                case "Name": nameLocation = location; break;
                case "Vector": vectorLocation = location; break;
                case "Schema": schemaLocation = location; break;
                case { } other: (otherLocations ??= new()).Add(new KeyValuePair<string, LocationInfo?>(other, location)); break;
            }
        }
        string? Named(string key) =>
            attribute.NamedArguments.FirstOrDefault(a => a.Key == key).Value.Value as string;
        var hookName = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        return new SiteSpec(hookName, Named("Name"), Named("Vector"), Named("Schema"),
            LocationInfo.From(syntax), hookLocation, nameLocation, vectorLocation, schemaLocation, Settings(attribute, otherLocations));
    }

    // The named arguments besides Name, Vector and Schema: values as numbers (enums by their value) or text.
    private static EquatableArray<SettingSpec> Settings(AttributeData attribute, List<KeyValuePair<string, LocationInfo?>>? locations)
    {
        if (locations is null) return default;
        var settings = new List<SettingSpec>(locations.Count);
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key is "Name" or "Vector" or "Schema") continue;
            var value = argument.Value.Value;
            var number = value switch
            {
                bool b => b ? 1 : 0,
                string or null => 0,
                _ => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
            };
            settings.Add(new SettingSpec(argument.Key, number, value as string, locations.FirstOrDefault(l => l.Key == argument.Key).Value));
        }
        return new EquatableArray<SettingSpec>(settings);
    }

    private static List<ContainingTypeSpec> ContainingTypes(INamedTypeSymbol type)
    {
        var types = new List<ContainingTypeSpec>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var keyword = outer.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() switch
            {
                RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                TypeDeclarationSyntax t => t.Keyword.ValueText,
                _ => "class",
            };
            types.Insert(0, new ContainingTypeSpec(keyword, outer.Name));
        }
        return types;
    }

    private static bool HasBaseList(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax() is not TypeDeclarationSyntax { BaseList: null }) return true;
        return false;
    }

    private static string? ShapeProblem(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class) return "only classes can";
        if (type.IsRecord) return "it is a record (records cannot derive from Steering.SteeringVectorSet)";
        if (type.IsStatic) return "it is static";
        if (type.IsAbstract) return "it is abstract (the generated factories create instances)";
        if (type.IsGenericType) return "it is generic";
        // No base list on any part: the base is object, no need to bind it (the semantic part of this check).
        if (HasBaseList(type) && type.BaseType is { SpecialType: not SpecialType.System_Object } baseType && baseType.ToDisplayString() != BaseClass)
            return $"it derives from '{baseType.ToDisplayString()}'; a [SteerAt] class derives from {BaseClass}, which the generator declares";
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType) return $"it is nested in the generic type '{outer.ToDisplayString()}'";
            if (!outer.DeclaringSyntaxReferences.All(r => r.GetSyntax() is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword)))
                return $"it is nested in '{outer.ToDisplayString()}', which is not partial";
        }
        return null;
    }
}
