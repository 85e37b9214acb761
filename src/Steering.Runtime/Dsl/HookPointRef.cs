using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;

namespace Steering;

/// <summary>
/// A hook point as a typed value — its name and shape — rather than a string: what the source generator emits for
/// each schema (<c>Gpt2Small.Blocks[5].ResidPost</c>) and each <see cref="SteerAtAttribute"/> site.
/// </summary>
public sealed class HookPointRef : IEquatable<HookPointRef>
{
    /// <summary>Describes a point: canonical name, dims in schema names, and the vector shape it takes (empty for none).</summary>
    public HookPointRef(string name, IReadOnlyList<string> dims, IReadOnlyList<int> vectorShape)
    {
        Name = name;
        Dims = dims.ToArray();
        VectorShape = vectorShape.ToArray();
    }

    /// <summary>The canonical name.</summary>
    public string Name { get; }

    /// <summary>The activation's dimensions (<c>batch, pos, d_model</c>).</summary>
    public IReadOnlyList<string> Dims { get; }

    /// <summary>The shape of a vector for this point; empty when it takes none.</summary>
    public IReadOnlyList<int> VectorShape { get; }

    /// <summary>The point in <paramref name="model"/>, checked to have this point's dims and vector shape.</summary>
    /// <exception cref="UnknownHookPointException">The model has no such point (another architecture or size).</exception>
    /// <exception cref="SteeringException">The model's point has another shape (it was generated for another model).</exception>
    public HookPoint In(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Hooks.Resolve(this);
    }

    /// <inheritdoc/>
    public bool Equals(HookPointRef? other) =>
        other is not null && Name == other.Name && Dims.SequenceEqual(other.Dims) && VectorShape.SequenceEqual(other.VectorShape);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as HookPointRef);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>The name and dims, e.g. <c>blocks.5.resid_post [batch, pos, d_model]</c>.</summary>
    public override string ToString() => $"{Name} [{string.Join(", ", Dims)}]";
}
