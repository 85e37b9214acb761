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
        "Apply", "Save", "Load", "LoadDefault", "FromContrast", "Dispose", "Schema", "Sites",
        "GetVector", "SetVector", "SetFromContrast", "SetFromFile", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize",
    };

    // Per-schema lookups, shared by every class resolved against the same schema instance (the pipeline hands the same
    // cached instance to every class). Weak keys: nothing outlives the schema.
    private static readonly ConditionalWeakTable<ModelSchema, HashSet<string>> Names = new();
    private static readonly ConditionalWeakTable<ModelSchema, Lookup> Lookups = new();

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

    private sealed class PointFacts(HookPointInfo point, ModelDimensions dimensions)
    {
        public HookPointInfo Point { get; } = point;
        public EquatableArray<string> VectorDims { get; } = point.VectorDims;
        public EquatableArray<int> VectorShape { get; } = point.AcceptsVector ? new EquatableArray<int>(point.VectorShapeIn(dimensions)) : default;
        public string DefaultProperty { get; } = Naming.FromHookName(point.Name);
    }

    /// <summary>Resolves <paramref name="spec"/>.</summary>
    public static ClassResult Resolve(ClassSpec spec, EquatableArray<SchemaFile> schemas, EquatableArray<SidecarFile> sidecars, AssemblySchemaChoice? choice)
    {
        if (spec.Failure is not null) return new ClassResult(null, new EquatableArray<DiagnosticInfo>(new[] { spec.Failure }));
        try
        {
            return ResolveCore(spec, schemas, sidecars, choice);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ClassResult(null, new EquatableArray<DiagnosticInfo>(new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, spec.Identifier, "checking " + spec.Name, e.GetType().Name + ": " + e.Message),
            }));
        }
    }

    private static ClassResult ResolveCore(ClassSpec spec, EquatableArray<SchemaFile> schemas, EquatableArray<SidecarFile> sidecars, AssemblySchemaChoice? choice)
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

        var schema = ChooseSchema(spec, schemas, choice, diagnostics);
        if (schema is null) return Done(null);

        var lookup = Lookups.GetValue(schema, s => new Lookup(s));
        var sites = new List<SiteModel>();
        var hooks = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal) { spec.Name };
        foreach (var site in spec.Sites)
        {
            if (site.HookName is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAttributeArgument, site.HookNameLocation ?? site.Attribute));
                continue;
            }
            var canonical = HookNames.Canonicalize(site.HookName);
            var at = site.HookNameLocation ?? site.Attribute;
            var facts = lookup.Find(canonical);
            if (facts is null)
            {
                diagnostics.Add(UnknownHook(DiagnosticDescriptors.UnknownHookName, DiagnosticDescriptors.LayerOutOfRange, site.HookName, schema,
                    Names.GetValue(schema, s => new HashSet<string>(s.HookPoints.Select(p => p.Name), StringComparer.Ordinal)), at));
                continue;
            }
            var point = facts.Point;
            if (facts.VectorDims.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HookTakesNoVector, at, point.Name, point.DimsText));
                continue;
            }
            if (!hooks.Add(point.Name))
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
                    "the generated class has a member of that name (Apply, Save, Load, FromContrast, Schema, Sites…) or it is the class's name"));
                continue;
            }
            if (names.Contains(property) || names.Contains(property + "Point"))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, nameAt, spec.Name, property));
                continue;
            }
            names.Add(property);
            names.Add(property + "Point");
            var shape = facts.VectorShape;
            if (site.Vector is not null) CheckVector(site, point, shape, sidecars, diagnostics);
            sites.Add(new SiteModel(point.Name, property, point.Dims, facts.VectorDims, shape, site.Vector));
        }

        return Done(new ClassModel(spec.Namespace, spec.Name, spec.FullName, spec.ContainingTypes,
            schema.Name, schema.Architecture, schema.Dimensions, new EquatableArray<SiteModel>(sites)));
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

    private static ModelSchema? ChooseSchema(ClassSpec spec, EquatableArray<SchemaFile> schemas, AssemblySchemaChoice? choice, List<DiagnosticInfo> diagnostics)
    {
        var valid = schemas.Where(s => s.Schema is not null).Select(s => s.Schema!).ToList();
        var anyBroken = schemas.Any(s => s.Schema is null);
        var named = spec.Sites.FirstOrDefault(s => s.Schema is not null);
        var wanted = named?.Schema ?? choice?.ModelName;
        var firstAttribute = spec.Sites.Count > 0 ? spec.Sites[0].Attribute : spec.Identifier;
        if (wanted is not null)
        {
            var found = valid.FirstOrDefault(s => s.Name == wanted);
            if (found is null && !anyBroken)
            {
                var where = named is not null ? named.SchemaLocation ?? named.Attribute : firstAttribute;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SchemaNotFound, where, wanted,
                    valid.Count == 0 ? "none" : string.Join(", ", valid.Select(s => "'" + s.Name + "'"))));
            }
            return found;
        }
        if (valid.Count == 1) return valid[0];
        if (valid.Count == 0)
        {
            // A schema file with problems has its own diagnostic; "no schema" would only add noise.
            if (!anyBroken) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoSchema, firstAttribute));
            return null;
        }
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AmbiguousSchema, firstAttribute,
            string.Join(", ", valid.Select(s => "'" + s.Name + "'"))));
        return null;
    }

    private static void CheckVector(SiteSpec site, HookPointInfo point, IReadOnlyList<int> shape, EquatableArray<SidecarFile> sidecars, List<DiagnosticInfo> diagnostics)
    {
        var vector = site.Vector!;
        var at = site.VectorLocation ?? site.Attribute;
        var sidecarPath = Normalize(VectorSidecar.PathFor(vector));
        var file = sidecars.FirstOrDefault(f => f.Path == sidecarPath || f.Path.EndsWith("/" + sidecarPath, StringComparison.OrdinalIgnoreCase));
        if (file is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorSidecarMissing, at, vector, VectorSidecar.PathFor(vector)));
            return;
        }
        if (file.Sidecar is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorSidecarUnreadable, at, vector, file.Problem ?? "unknown problem"));
            return;
        }
        var vectors = file.Sidecar.Vectors;
        var entry = vectors.FirstOrDefault(v => HookNames.Canonicalize(v.Hook) == point.Name);
        var shapeText = "[" + string.Join(", ", shape) + "]";
        if (entry is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorMismatch, at, vector, point.Name,
                vectors.Count == 0 ? "its sidecar lists no vectors"
                : "it was made at " + string.Join(", ", vectors.Select(v => "'" + v.Hook + "'"))));
            return;
        }
        if (!entry.Shape.SequenceEqual(shape))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorMismatch, at, vector, point.Name,
                $"its shape is [{string.Join(", ", entry.Shape)}], the site's is {shapeText} ({string.Join(", ", point.VectorDims)})"));
        }
    }

    private static string Normalize(string path)
    {
        var normalized = path.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal)) normalized = normalized.Substring(2);
        return normalized;
    }
}
