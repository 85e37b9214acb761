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
    /// (written by <c>Save</c> and <c>steer vector</c>): the hook point, the shape and the model it was built for. Add it
    /// to the project as <c>&lt;SteeringVector Include="vectors/love.safetensors" /&gt;</c> (which embeds it and makes
    /// the sidecar visible to the compiler). The class gets a <c>LoadDefault()</c>.
    /// </summary>
    public string? Vector { get; set; }

    /// <summary>
    /// Requires <see cref="Vector"/> to be embedded in the assembly (a <c>SteeringVector</c> item with the default
    /// <c>Embed="true"</c>), so <c>LoadDefault()</c> needs no file next to the deployed application.
    /// </summary>
    public bool Embed { get; set; }

    /// <summary>
    /// The schema's model name, when the project has several schemas and no <see cref="SteeringSchemaAttribute"/>. A class
    /// may steer several models: one site per schema, and the model it is given picks its sites.
    /// </summary>
    public string? Schema { get; set; }

    /// <summary>This site's strength: the vector is added times this (and times the coefficient given to <c>Apply</c>). Default 1.</summary>
    public double Coefficient { get; set; } = 1.0;

    /// <summary>Which positions are steered (default: every real position of prompt and generated tokens).</summary>
    public SteerPositions Positions { get; set; }

    /// <summary>k for <see cref="SteerPositions.First"/> and <see cref="SteerPositions.Last"/>: how many positions (at least 1, at most the model's context).</summary>
    public int Count { get; set; }

    /// <summary>How the vector is scaled before it is added (default: as it is).</summary>
    public VectorNormalization Normalization { get; set; }

    /// <summary>The method this site's vector must be built with (default: any); contrastive methods need <see cref="Pairs"/>.</summary>
    public SteeringMethod Method { get; set; }

    /// <summary>
    /// The contrastive prompt pairs this site's vector is built from: a JSON AdditionalFiles item,
    /// <c>[{"positive": "Love", "negative": "Hate"}, …]</c>, checked at build time against <see cref="Method"/>.
    /// </summary>
    public string? Pairs { get; set; }

    /// <summary>
    /// At the MLP input (<c>mlp.pre</c>) of a gated-MLP model (Llama, Qwen, Gemma, Mistral): which of its two projections
    /// is steered, the gate (<c>mlp.pre</c>) or the up projection (<c>mlp.pre_linear</c>).
    /// </summary>
    public MlpProjection Projection { get; set; }
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
