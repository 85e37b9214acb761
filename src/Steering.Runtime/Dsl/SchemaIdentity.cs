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
    /// <summary>The identity of <paramref name="model"/>: its schema's name, architecture and sizes.</summary>
    public static SchemaIdentity Of(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Of(model.Schema);
    }

    /// <summary>The identity of the model <paramref name="schema"/> describes.</summary>
    public static SchemaIdentity Of(ModelSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new SchemaIdentity(schema.Name, schema.Architecture, schema.Dimensions);
    }

    /// <summary>Whether <paramref name="model"/> has this identity's architecture and sizes (its name may differ: a renamed folder is the same model).</summary>
    public bool Matches(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Matches(Of(model.Schema));
    }

    /// <summary>Whether <paramref name="other"/> has this identity's architecture and sizes (names may differ).</summary>
    public bool Matches(SchemaIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Architecture == Architecture && other.Dimensions == Dimensions;
    }

    /// <summary>The name, architecture and sizes in words, e.g. <c>'gpt2' (gpt2, 12 layers, d_model 768, …)</c>.</summary>
    public string Describe() => $"'{Name}' ({Describe(Architecture, Dimensions)})";

    /// <summary>Throws unless <paramref name="model"/> has this schema's architecture and sizes.</summary>
    /// <exception cref="SteeringException">The model is another architecture or has other sizes.</exception>
    public void Check(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Matches(model)) return;
        throw new SteeringException(
            $"this code was checked against the schema '{Name}' ({Describe(Architecture, Dimensions)}); " +
            $"the model '{model.Schema.Name}' is {Describe(model.Schema.Architecture, model.Dimensions)}");
    }

    internal static string Describe(string architecture, ModelDimensions d) => d.Describe(architecture);
}
