namespace Steering.Generators;

/// <summary>The names of the generator's tracked pipeline steps (tests assert on them: every one must be cached after an unrelated edit).</summary>
public static class TrackingNames
{
    /// <summary>[SteerAt] classes parsed into <see cref="Model.ClassSpec"/>.</summary>
    public const string Classes = nameof(Classes);
    /// <summary>Schema AdditionalFiles parsed into <see cref="Model.SchemaFile"/>.</summary>
    public const string SchemaFiles = nameof(SchemaFiles);
    /// <summary>All schema files, collected.</summary>
    public const string AllSchemas = nameof(AllSchemas);
    /// <summary>Vector sidecar and pairs AdditionalFiles parsed into <see cref="Model.DataFile"/>.</summary>
    public const string DataFiles = nameof(DataFiles);
    /// <summary>All sidecars and pairs files, collected.</summary>
    public const string AllDataFiles = nameof(AllDataFiles);
    /// <summary>The assembly-level [SteeringSchema] choice.</summary>
    public const string AssemblySchemaChoice = nameof(AssemblySchemaChoice);
    /// <summary>The project's root namespace (build_property.RootNamespace).</summary>
    public const string RootNamespace = nameof(RootNamespace);
    /// <summary>Each class resolved against the schemas into an emit model plus diagnostics.</summary>
    public const string ResolvedClasses = nameof(ResolvedClasses);
    /// <summary>The per-schema typed hook point classes.</summary>
    public const string SchemaClasses = nameof(SchemaClasses);

    /// <summary>Every tracked step name.</summary>
    public static readonly string[] All =
    {
        Classes, SchemaFiles, AllSchemas, DataFiles, AllDataFiles, AssemblySchemaChoice, RootNamespace, ResolvedClasses, SchemaClasses,
    };
}
