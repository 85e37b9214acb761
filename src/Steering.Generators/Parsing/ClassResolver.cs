using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Steering.Generators.Diagnostics;
using Steering.Generators.Model;
using Steering.Schema;

namespace Steering.Generators.Parsing;

/// <summary>
/// Checks a parsed class against the schema in scope and its sites' vector sidecars: gives the model to emit and the
/// diagnostics. Pure: plain values in, plain values out.
/// </summary>
public static class ClassResolver
{
    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal)
    {
        "Apply", "Build", "Save", "Load", "LoadDefault", "Dispose", "Schema", "Schemas", "Sites", "SitesFor",
        "GetVector", "SetVector", "SetFromBuilder", "SetFromFile", "SetFromResource", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize",
    };

    // Per-schema lookups, shared by every class resolved against the same schema instance (the pipeline hands the same
    // cached instance to every class). Weak keys: nothing outlives the schema.
    private static readonly ConditionalWeakTable<ModelSchema, HashSet<string>> Names = new();
    private static readonly ConditionalWeakTable<ModelSchema, Lookup> Lookups = new();
    private static readonly ConditionalWeakTable<ModelSchema, SchemaRef> References = new();

    // The schema's points by name, and what a site at a point needs (vector dims and shape, default property name),
    // made on first use and shared by every class: the SiteModels of two classes at one point hold the same arrays.
    private sealed class Lookup(ModelSchema schema)
    {
        private readonly Dictionary<string, HookPointInfo> _points = schema.HookPoints.ToDictionary(p => p.Name, StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, PointFacts> _facts = new(StringComparer.Ordinal);

        public PointFacts? Find(string canonicalName) =>
            _facts.TryGetValue(canonicalName, out var facts) ? facts
            : _points.TryGetValue(canonicalName, out var point) ? _facts.GetOrAdd(canonicalName, _ => new PointFacts(point, schema.Dimensions))
            : null;
    }

    internal sealed class PointFacts(HookPointInfo point, ModelDimensions dimensions)
    {
        public HookPointInfo Point { get; } = point;
        public EquatableArray<string> VectorDims { get; } = point.VectorDims;
        public EquatableArray<int> VectorShape { get; } = point.AcceptsVector ? new EquatableArray<int>(point.VectorShapeIn(dimensions)) : default;
        public string DefaultProperty { get; } = Naming.FromHookName(point.Name);
    }

    /// <summary>Resolves <paramref name="spec"/>.</summary>
    public static ClassResult Resolve(ClassSpec spec, EquatableArray<SchemaFile> schemas, EquatableArray<DataFile> dataFiles, AssemblySchemaChoice? choice)
    {
        if (spec.Failure is not null) return new ClassResult(null, new EquatableArray<DiagnosticInfo>(new[] { spec.Failure }));
        try
        {
            return ResolveCore(spec, schemas, dataFiles, choice);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ClassResult(null, new EquatableArray<DiagnosticInfo>(new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, spec.Identifier, "checking " + spec.Name, e.GetType().Name + ": " + e.Message),
            }));
        }
    }

    private static ClassResult ResolveCore(ClassSpec spec, EquatableArray<SchemaFile> schemas, EquatableArray<DataFile> dataFiles, AssemblySchemaChoice? choice)
    {
        var diagnostics = new List<DiagnosticInfo>();
        ClassResult Done(ClassModel? model) => new(model, new EquatableArray<DiagnosticInfo>(diagnostics));

        if (spec.ShapeProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClassShape, spec.Identifier, spec.Name, spec.ShapeProblem));
            return Done(null);
        }
        if (!spec.IsPartial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, spec.Identifier, spec.Name));
            return Done(null);
        }

        var valid = schemas.Where(s => s.Schema is not null).Select(s => s.Schema!).ToList();
        var anyBroken = schemas.Any(s => s.Schema is null);
        // A site without Schema takes the class's one named schema (the first pass's rule), else the assembly's choice,
        // else the project's only schema.
        var classNamed = spec.Sites.Where(s => s.Schema is not null).Select(s => s.Schema).Distinct().ToList();
        var fallback = classNamed.Count == 1 ? classNamed[0] : choice?.ModelName;
        var firstAttribute = spec.Sites.Count > 0 ? spec.Sites[0].Attribute : spec.Identifier;

        var used = new List<ModelSchema>();
        var sites = new List<SiteModel>();
        var hooks = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal) { spec.Name };
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var site in spec.Sites)
        {
            if (site.HookName is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAttributeArgument, site.HookNameLocation ?? site.Attribute));
                continue;
            }
            var wanted = site.Schema ?? fallback;
            var schema = SchemaChoice.Choose(wanted, valid);
            if (schema is null)
            {
                // Once per class and name: every site of a class without a schema has the same problem.
                var where = site.Schema is not null ? site.SchemaLocation ?? site.Attribute : firstAttribute;
                if (reported.Add(wanted ?? "") && SchemaChoice.Problem(wanted, valid, anyBroken, where) is { } problem) diagnostics.Add(problem);
                continue;
            }
            var lookup = Lookups.GetValue(schema, s => new Lookup(s));
            var canonical = HookNames.Canonicalize(site.HookName);
            var at = site.HookNameLocation ?? site.Attribute;
            var facts = lookup.Find(canonical);
            if (facts is null)
            {
                diagnostics.Add(UnknownHook(DiagnosticDescriptors.UnknownHookName, DiagnosticDescriptors.LayerOutOfRange, site.HookName, schema,
                    Names.GetValue(schema, s => new HashSet<string>(s.HookPoints.Select(p => p.Name), StringComparer.Ordinal)), at));
                continue;
            }
            if (site.Setting(nameof(Projection)) is { } projection)
            {
                facts = Projection(projection, facts, lookup, schema, diagnostics);
                if (facts is null) continue;
            }
            var point = facts.Point;
            if (facts.VectorDims.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HookTakesNoVector, at, point.Name, point.DimsText));
                continue;
            }
            if (!hooks.Add(schema.Name + "\n" + point.Name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateSite, at, spec.Name, point.Name));
                continue;
            }
            var property = site.Name ?? facts.DefaultProperty;
            var nameAt = site.NameLocation ?? at;
            if (site.Name is not null && !Naming.IsIdentifier(site.Name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSiteName, nameAt, site.Name, "it is not a C# identifier"));
                continue;
            }
            if (ReservedNames.Contains(property) || property == spec.Name)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSiteName, nameAt, property,
                    "the generated class has a member of that name (Apply, Build, Save, Load, Schemas, Sites…) or it is the class's name"));
                continue;
            }
            if (names.Contains(property) || names.Contains(property + "Point"))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, nameAt, spec.Name, property));
                continue;
            }
            names.Add(property);
            names.Add(property + "Point");
            var settings = SiteChecks.Settings(site, facts.Point, schema, dataFiles, diagnostics);
            var resource = site.Vector is not null ? CheckVector(site, point, facts.VectorShape, schema, dataFiles, diagnostics) : null;
            if (settings is null) continue;
            var index = used.IndexOf(schema);
            if (index < 0)
            {
                index = used.Count;
                used.Add(schema);
            }
            sites.Add(new SiteModel(point.Name, property, point.Dims, facts.VectorDims, facts.VectorShape, site.Vector, index,
                settings == SiteSettings.Default ? null : settings, resource));
        }
        // No schema for any site: nothing to emit against (the class's other errors are its sites').
        if (used.Count == 0 && reported.Count > 0) return Done(null);

        return Done(new ClassModel(spec.Namespace, spec.Name, spec.FullName, spec.ContainingTypes,
            new EquatableArray<SchemaRef>(used.Select(s => References.GetValue(s, x => new SchemaRef(x.Name, x.Architecture, x.Dimensions))).ToList()),
            new EquatableArray<SiteModel>(sites)));
    }

    // At mlp.pre of a gated MLP, Projection picks the gate (mlp.pre) or the up projection (mlp.pre_linear).
    private static PointFacts? Projection(SettingSpec setting, PointFacts facts, Lookup lookup, ModelSchema schema, List<DiagnosticInfo> diagnostics)
    {
        var value = (int)setting.Number;
        string? problem = null;
        PointFacts? chosen = null;
        if (!HookNames.TryParse(facts.Point.Name, out var parsed) || parsed.Layer is not int layer || parsed.Site != HookSites.MlpPre)
            problem = $"a projection is chosen at the MLP input 'blocks.{{i}}.{HookSites.MlpPre}' of a gated MLP, not at '{facts.Point.Name}'";
        else if (lookup.Find(HookNames.Block(layer, HookSites.MlpPreLinear)) is not { } up)
            problem = $"the model '{schema.Name}' ({schema.Architecture}) has a plain MLP: '{facts.Point.Name}' is its only input projection";
        else
            chosen = value switch { 1 => facts, 2 => up, _ => null };
        if (chosen is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSetting, setting.Location, "Projection", SiteChecks.Name(SiteChecks.Projections, value),
                problem ?? "choose MlpProjection.Gate or MlpProjection.Up"));
        }
        return chosen;
    }

    /// <summary>The STEER001/STEER002-style diagnostic for a name the schema lacks, with the suggestion as a property.</summary>
    public static DiagnosticInfo UnknownHook(
        Microsoft.CodeAnalysis.DiagnosticDescriptor unknown, Microsoft.CodeAnalysis.DiagnosticDescriptor layerOutOfRange,
        string name, ModelSchema schema, IReadOnlyCollection<string> known, LocationInfo? at)
    {
        var layers = schema.Dimensions.NLayers;
        var message = HookNames.DescribeUnknown(name, known, layers);
        var canonical = HookNames.Canonicalize(name);
        string? suggestion;
        Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor;
        if (HookNames.TryParse(canonical, out var parsed) && parsed.Layer is int layer && layer >= layers)
        {
            descriptor = layerOutOfRange;
            var last = HookNames.Block(layers - 1, parsed.Site);
            suggestion = known.Contains(last) ? last : null;
        }
        else
        {
            descriptor = unknown;
            var suggestions = HookNames.Suggest(name, known);
            suggestion = suggestions.Count > 0 ? suggestions[0] : null;
        }
        var diagnostic = DiagnosticInfo.Create(descriptor, at, message, schema.Name);
        return suggestion is null ? diagnostic : diagnostic.WithProperty(DiagnosticDescriptors.SuggestionProperty, suggestion);
    }

    // The vector's sidecar: there, readable, made at this point with this shape, for this model. Gives the vector's
    // resource name when the build embeds it.
    private static string? CheckVector(SiteSpec site, HookPointInfo point, IReadOnlyList<int> shape, ModelSchema schema, EquatableArray<DataFile> files, List<DiagnosticInfo> diagnostics)
    {
        var vector = site.Vector!;
        var at = site.VectorLocation ?? site.Attribute;
        var file = Find(files, VectorSidecar.PathFor(vector));
        if (file is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorSidecarMissing, at, vector, VectorSidecar.PathFor(vector)));
            return null;
        }
        if (file.Sidecar is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorSidecarUnreadable, at, vector, file.Problem ?? "unknown problem"));
            return null;
        }
        var sidecar = file.Sidecar;
        if (BuiltFor(sidecar, schema) is { } other)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorForAnotherModel, at, vector, other,
                "'" + schema.Name + "' (" + schema.Dimensions.Describe(schema.Architecture) + ")"));
            return null;
        }
        var vectors = sidecar.Vectors;
        var entry = vectors.FirstOrDefault(v => HookNames.Canonicalize(v.Hook) == point.Name);
        if (entry is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorMismatch, at, vector, point.Name,
                vectors.Count == 0 ? "its sidecar lists no vectors"
                : "it was made at " + string.Join(", ", vectors.Select(v => "'" + v.Hook + "'"))));
            return null;
        }
        if (!entry.Shape.SequenceEqual(shape))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorMismatch, at, vector, point.Name,
                $"its shape is [{string.Join(", ", entry.Shape)}], the site's is [{string.Join(", ", shape)}] ({string.Join(", ", point.VectorDims)})"));
            return null;
        }
        return file.Resource;
    }

    // The identity a sidecar records when it is not the schema's, in words; null when it is the schema's (or records
    // none). With architecture and sizes recorded they decide, as at run time; with a name only, the name does.
    private static string? BuiltFor(VectorSidecarInfo sidecar, ModelSchema schema)
    {
        if (sidecar.Architecture is not null && sidecar.Dimensions is not null)
        {
            return sidecar.Architecture == schema.Architecture && sidecar.Dimensions == schema.Dimensions ? null
                : "'" + (sidecar.Model ?? "?") + "' (" + sidecar.Dimensions.Describe(sidecar.Architecture) + ")";
        }
        return sidecar.Model is null || sidecar.Model == schema.Name ? null : "'" + sidecar.Model + "'";
    }

    /// <summary>The AdditionalFiles item at <paramref name="path"/> (relative to the project: matched by path suffix).</summary>
    internal static DataFile? Find(EquatableArray<DataFile> files, string path)
    {
        var wanted = Normalize(path);
        return files.FirstOrDefault(f => f.Path == wanted || f.Path.EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase));
    }

    private static string Normalize(string path)
    {
        var normalized = path.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal)) normalized = normalized.Substring(2);
        return normalized;
    }
}
