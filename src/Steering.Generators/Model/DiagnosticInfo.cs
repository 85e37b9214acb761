using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Steering.Schema;

namespace Steering.Generators.Model;

/// <summary>A diagnostic as plain values: descriptor id, message arguments, location and properties (for the code fix).</summary>
public sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, EquatableArray<string> PropertyPairs)
{
    /// <summary>A diagnostic of <paramref name="descriptor"/> at <paramref name="location"/>.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, new EquatableArray<string>(arguments), default);

    /// <summary>With a property (e.g. <see cref="Diagnostics.DiagnosticDescriptors.SuggestionProperty"/>) the code fix reads.</summary>
    public DiagnosticInfo WithProperty(string key, string value) =>
        this with { PropertyPairs = new EquatableArray<string>(PropertyPairs.Concat(new[] { key, value })) };

    /// <summary>The Roslyn diagnostic, located through <paramref name="compilation"/>'s trees (the generator's outputs).</summary>
    public Diagnostic ToDiagnostic(Compilation? compilation = null) =>
        ToDiagnostic(Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None);

    /// <summary>The Roslyn diagnostic at <paramref name="location"/> (the analyzer's, which has the syntax at hand).</summary>
    public Diagnostic ToDiagnostic(Location location)
    {
        var properties = ImmutableDictionary.CreateBuilder<string, string?>();
        for (var i = 0; i + 1 < PropertyPairs.Count; i += 2) properties[PropertyPairs[i]] = PropertyPairs[i + 1];
        return Diagnostic.Create(Diagnostics.DiagnosticDescriptors.ById(Id), location, properties.ToImmutable(), Arguments.Cast<object>().ToArray());
    }

    /// <summary>The diagnostics of several results in one array.</summary>
    public static EquatableArray<DiagnosticInfo> Array(IEnumerable<DiagnosticInfo> items) => new(items);
}
