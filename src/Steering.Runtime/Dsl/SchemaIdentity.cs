using System;
using System.Collections.Generic;
using System.Globalization;
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
    /// <summary>The vector-file metadata key naming the model a vector was built for (its schema name).</summary>
    public const string ModelMetadataKey = "steering.model";

    /// <summary>True when <paramref name="model"/> has this schema's architecture and sizes.</summary>
    public bool Matches(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Schema.Architecture == Architecture && model.Dimensions == Dimensions;
    }

    /// <summary>Throws unless <paramref name="model"/> has this schema's architecture and sizes.</summary>
    /// <exception cref="SteeringException">The model is another architecture or has other sizes.</exception>
    public void Check(HookedTransformer model)
    {
        if (Matches(model)) return;
        throw new SteeringException(
            $"this code was checked against the schema '{Name}' ({Describe(Architecture, Dimensions)}); " +
            $"the model '{model.Schema.Name}' is {Describe(model.Schema.Architecture, model.Dimensions)}");
    }

    /// <summary>The <c>steering.*</c> metadata a vector file built for this model carries (format 1).</summary>
    public IReadOnlyDictionary<string, string> Metadata() => new Dictionary<string, string>
    {
        ["steering.format"] = "1",
        [ModelMetadataKey] = Name,
        ["steering.architecture"] = Architecture,
        ["steering.dimensions"] = string.Format(CultureInfo.InvariantCulture, "n_layers={0},d_model={1},n_heads={2},d_mlp={3},d_vocab={4},n_ctx={5}",
            Dimensions.NLayers, Dimensions.DModel, Dimensions.NHeads, Dimensions.DMlp, Dimensions.DVocab, Dimensions.NCtx),
    };

    /// <summary>The name and what it is: <c>'gpt2' (gpt2, 12 layers, d_model 768, …)</c>.</summary>
    public override string ToString() => $"'{Name}' ({Describe(Architecture, Dimensions)})";

    internal static string Describe(string architecture, ModelDimensions d) => d.Describe(architecture);
}
