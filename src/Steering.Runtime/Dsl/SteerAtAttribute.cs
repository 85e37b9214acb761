using System;

namespace Steering;

/// <summary>
/// Declares that a partial class steers the model at a hook point. The Steering source generator checks the name and
/// the vector's shape against the model schema in the project (an AdditionalFiles item written by <c>steer schema</c>)
/// and emits the class's typed hook points, vector properties, <c>Apply</c>, builders and Load/Save.
/// Repeat the attribute for several sites; each gets its own vector.
/// </summary>
/// <example><code>
/// [SteerAt("blocks.5.resid_post")]
/// public partial class LoveHate { }
///
/// using var love = LoveHate.FromContrast(model, "Love", "Hate");
/// using (love.Apply(model, coefficient: 4))
///     Console.WriteLine(model.Generate("I think dogs are", maxNewTokens: 10));
/// </code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SteerAtAttribute : Attribute
{
    /// <summary>Steers at <paramref name="hookName"/> (canonical or a TransformerLens alias).</summary>
    public SteerAtAttribute([HookName] string hookName) => HookName = hookName;

    /// <summary>The hook point.</summary>
    public string HookName { get; }

    /// <summary>The name of this site's vector property; derived from the hook name when null (<c>Blocks5ResidPost</c>).</summary>
    public string? Name { get; set; }

    /// <summary>
    /// A vector file for this site, relative to the project, checked at build time through its <c>.json</c> sidecar
    /// (written by <c>steer vector</c>; add it as an AdditionalFiles item). The class gets a <c>LoadDefault()</c>.
    /// </summary>
    public string? Vector { get; set; }

    /// <summary>The schema's model name, when the project has several schemas and no <see cref="SteeringSchemaAttribute"/>.</summary>
    public string? Schema { get; set; }
}

/// <summary>The schema that applies in this assembly when it has several (by the schema's <c>model.name</c>).</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class SteeringSchemaAttribute : Attribute
{
    /// <summary>Chooses the schema named <paramref name="modelName"/>.</summary>
    public SteeringSchemaAttribute(string modelName) => ModelName = modelName;

    /// <summary>The schema's <c>model.name</c>.</summary>
    public string ModelName { get; }
}

/// <summary>
/// Marks a string parameter that takes a hook name. The Steering analyzer checks string literals passed to it against
/// the model schema in scope and offers the closest valid name.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class HookNameAttribute : Attribute
{
}
