using Steering.Schema;

namespace Steering.Generators.Model;

/// <summary>One schema AdditionalFiles item: the schema, or the problem that kept it from being read.</summary>
/// <param name="Path">The file's path.</param>
/// <param name="Schema">The schema, when it was read.</param>
/// <param name="Problem">A diagnostic about the file, when it was not.</param>
public sealed record SchemaFile(string Path, ModelSchema? Schema, DiagnosticInfo? Problem);

/// <summary>
/// One non-schema JSON AdditionalFiles item the resolver may need: a vector sidecar (<c>*.safetensors.json</c>) or a
/// file of contrastive prompt pairs (a JSON array).
/// </summary>
/// <param name="Path">The file's path, with '/' separators.</param>
/// <param name="Sidecar">The sidecar's content, when it is one and was read.</param>
/// <param name="PairCount">The number of pairs, when it is a pairs file and was read.</param>
/// <param name="Problem">Why it could not be read (a one-line message with position).</param>
/// <param name="Resource">For a sidecar of a <c>SteeringVector</c> item the build embeds: the vector's manifest resource name.</param>
public sealed record DataFile(string Path, VectorSidecarInfo? Sidecar, int? PairCount, string? Problem, string? Resource = null);

/// <summary>The assembly-level <c>[SteeringSchema("name")]</c>, when there is one.</summary>
public sealed record AssemblySchemaChoice(string ModelName, LocationInfo? Location);

/// <summary>A containing type of a nested [SteerAt] class, to re-declare as <c>partial</c>.</summary>
/// <param name="Keyword">The declaration keyword(s): <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>.</param>
/// <param name="Name">The type's name.</param>
public sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>One <c>[SteerAt]</c> attribute as written.</summary>
/// <param name="HookName">The hook name argument (null when not a constant string).</param>
/// <param name="Name">The <c>Name</c> argument.</param>
/// <param name="Vector">The <c>Vector</c> argument.</param>
/// <param name="Schema">The <c>Schema</c> argument.</param>
/// <param name="Attribute">Where the attribute is.</param>
/// <param name="HookNameLocation">Where the hook name argument is.</param>
/// <param name="NameLocation">Where the <c>Name</c> argument is.</param>
/// <param name="VectorLocation">Where the <c>Vector</c> argument is.</param>
/// <param name="SchemaLocation">Where the <c>Schema</c> argument is.</param>
/// <param name="Settings">The other named arguments (Coefficient, Positions, Count, …) as written.</param>
public sealed record SiteSpec(
    string? HookName, string? Name, string? Vector, string? Schema,
    LocationInfo? Attribute, LocationInfo? HookNameLocation, LocationInfo? NameLocation, LocationInfo? VectorLocation, LocationInfo? SchemaLocation,
    EquatableArray<SettingSpec> Settings = default)
{
    /// <summary>The named argument <paramref name="name"/>, or null when not written.</summary>
    public SettingSpec? Setting(string name)
    {
        foreach (var setting in Settings) if (setting.Name == name) return setting;
        return null;
    }
}

/// <summary>A named [SteerAt] argument other than Name, Vector and Schema, as written.</summary>
/// <param name="Name">The property name (<c>Coefficient</c>, <c>Positions</c>…).</param>
/// <param name="Number">Its value for numbers, enums (the underlying value) and bools (1 or 0).</param>
/// <param name="Text">Its value for strings.</param>
/// <param name="Location">Where the argument's value is.</param>
public sealed record SettingSpec(string Name, double Number, string? Text, LocationInfo? Location);

/// <summary>A <c>[SteerAt]</c> class as the parser found it: everything the resolver needs, as plain values.</summary>
/// <param name="Namespace">The namespace, empty for the global namespace.</param>
/// <param name="Name">The class name.</param>
/// <param name="FullName">The fully qualified metadata-ish name (for the hint name).</param>
/// <param name="ContainingTypes">Outermost first.</param>
/// <param name="ShapeProblem">Why the class cannot carry [SteerAt] (generic, nested in a non-partial type…), or null.</param>
/// <param name="IsPartial">Whether every declaration is partial.</param>
/// <param name="Identifier">Where the class name is.</param>
/// <param name="Sites">The attributes, in declaration order.</param>
/// <param name="Failure">An internal-error diagnostic when parsing the class failed.</param>
public sealed record ClassSpec(
    string Namespace, string Name, string FullName, EquatableArray<ContainingTypeSpec> ContainingTypes,
    string? ShapeProblem, bool IsPartial, LocationInfo? Identifier, EquatableArray<SiteSpec> Sites, DiagnosticInfo? Failure = null);

/// <summary>One site ready to emit.</summary>
/// <param name="HookName">Canonical hook name.</param>
/// <param name="PropertyName">The vector property's name; the hook point property is this plus <c>Point</c>.</param>
/// <param name="Dims">The activation dims.</param>
/// <param name="VectorDims">The vector's dims.</param>
/// <param name="VectorShape">The vector's sizes.</param>
/// <param name="Vector">The default vector file, or null.</param>
/// <param name="Schema">Index of the site's schema in <see cref="ClassModel.Schemas"/>.</param>
/// <param name="Settings">The site's settings (defaults omitted), checked.</param>
/// <param name="Resource">The default vector's manifest resource name when the build embeds it.</param>
public sealed record SiteModel(
    string HookName, string PropertyName, EquatableArray<string> Dims, EquatableArray<string> VectorDims, EquatableArray<int> VectorShape, string? Vector,
    int Schema = 0, SiteSettings? Settings = null, string? Resource = null);

/// <summary>A site's checked settings, as the runtime's <c>SteeringSite</c> takes them (enums as their values).</summary>
public sealed record SiteSettings(double Coefficient, int Positions, int Count, int Normalization, int Method)
{
    /// <summary>Every setting at its default.</summary>
    public static SiteSettings Default { get; } = new(1.0, 0, 0, 0, 0);
}

/// <summary>A schema a class was checked against: what the runtime compares a model with.</summary>
public sealed record SchemaRef(string Name, string Architecture, ModelDimensions Dimensions);

/// <summary>A class ready to emit.</summary>
public sealed record ClassModel(
    string Namespace, string Name, string FullName, EquatableArray<ContainingTypeSpec> ContainingTypes,
    EquatableArray<SchemaRef> Schemas, EquatableArray<SiteModel> Sites);

/// <summary>What resolving one class gives: an emit model (null when nothing can be emitted) and diagnostics.</summary>
public sealed record ClassResult(ClassModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>A schema's typed hook point class, ready to emit.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="ClassName">The class name (the model name in PascalCase).</param>
/// <param name="SourcePath">The schema file (named in the docs).</param>
/// <param name="Schema">The schema.</param>
public sealed record SchemaClassModel(string Namespace, string ClassName, string SourcePath, ModelSchema Schema);
