using System;
using Steering.Schema;

namespace Steering;

/// <summary>
/// The schema a generated class was checked against at compile time. <see cref="Check"/> makes sure a model handed to
/// it at run time is that model (same architecture and sizes), so compile-time checks still hold.
/// </summary>
/// <param name="Name">The schema's model name.</param>
/// <param name="Architecture">The schema's architecture (<c>model_type</c>).</param>
/// <param name="Dimensions">The schema's sizes.</param>
public sealed record SchemaIdentity(string Name, string Architecture, ModelDimensions Dimensions)
{
    /// <summary>Throws unless <paramref name="model"/> has this schema's architecture and sizes.</summary>
    /// <exception cref="SteeringException">The model is another architecture or has other sizes.</exception>
    public void Check(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Schema.Architecture == Architecture && model.Dimensions == Dimensions) return;
        throw new SteeringException(
            $"this code was checked against the schema '{Name}' ({Describe(Architecture, Dimensions)}); " +
            $"the model '{model.Schema.Name}' is {Describe(model.Schema.Architecture, model.Dimensions)}");
    }

    private static string Describe(string architecture, ModelDimensions d) =>
        $"{architecture}, {d.NLayers} layers, d_model {d.DModel}, {d.NHeads} heads, d_mlp {d.DMlp}, vocab {d.DVocab}, n_ctx {d.NCtx}";
}
