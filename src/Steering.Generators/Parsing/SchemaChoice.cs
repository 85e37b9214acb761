using System.Collections.Generic;
using System.Linq;
using Steering.Generators.Diagnostics;
using Steering.Generators.Model;
using Steering.Schema;

namespace Steering.Generators.Parsing;

/// <summary>
/// Which schema applies where: one rule for the generator (per [SteerAt] site) and the analyzer (for the assembly). A
/// name given (the site's <c>Schema</c>, or <c>[assembly: SteeringSchema]</c>) picks that schema; without one, the
/// project's only schema applies.
/// </summary>
public static class SchemaChoice
{
    /// <summary>The schema <paramref name="wanted"/> names, or the only one; null when neither applies.</summary>
    public static ModelSchema? Choose(string? wanted, IReadOnlyList<ModelSchema> valid) =>
        wanted is not null ? valid.FirstOrDefault(s => s.Name == wanted)
        : valid.Count == 1 ? valid[0]
        : null;

    /// <summary>
    /// The diagnostic when <see cref="Choose"/> finds nothing: STEER007 (the name matches no schema), STEER005 (no
    /// schema) or STEER006 (several, none named); none while a schema file has its own error, which explains the rest.
    /// </summary>
    public static DiagnosticInfo? Problem(string? wanted, IReadOnlyList<ModelSchema> valid, bool anyBroken, LocationInfo? at)
    {
        if (anyBroken) return null;
        if (wanted is not null)
            return DiagnosticInfo.Create(DiagnosticDescriptors.SchemaNotFound, at, wanted, valid.Count == 0 ? "none" : Names(valid));
        return valid.Count == 0
            ? DiagnosticInfo.Create(DiagnosticDescriptors.NoSchema, at)
            : DiagnosticInfo.Create(DiagnosticDescriptors.AmbiguousSchema, at, Names(valid));
    }

    /// <summary>
    /// The schemas a hook-name string in code is checked against (the analyzer): the chosen one, or with several and no
    /// (valid) choice all of them, so a name any schema has is accepted.
    /// </summary>
    public static IReadOnlyList<ModelSchema> InScope(string? assemblyChoice, IReadOnlyList<ModelSchema> valid) =>
        Choose(assemblyChoice, valid) is { } chosen ? new[] { chosen } : valid;

    private static string Names(IEnumerable<ModelSchema> schemas) => string.Join(", ", schemas.Select(s => "'" + s.Name + "'"));
}
