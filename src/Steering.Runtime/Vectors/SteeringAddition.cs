using System;
using Steering.Editing;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// A constant addition: <see cref="Coefficient"/> × <see cref="Vector"/> added at every position of the hook point
/// <see cref="HookName"/> — the edit that folds into weights and that a llama.cpp control vector holds.
/// </summary>
/// <param name="HookName">The hook point (canonical name or alias).</param>
/// <param name="Vector">The vector, of the point's vector shape; the caller keeps ownership.</param>
/// <param name="Coefficient">The multiplier.</param>
public sealed record SteeringAddition(string HookName, Tensor Vector, double Coefficient = 1.0)
{
    /// <summary>coefficient × vector as a new float64 CPU tensor (exact for any float32 input), owned by the caller.</summary>
    internal Tensor Scaled()
    {
        if (!double.IsFinite(Coefficient)) throw new SteeringException($"the coefficient for '{HookName}' is {Coefficient}");
        return Vector.detach().to(ScalarType.Float64, CPU).mul(Coefficient);
    }

    /// <summary>Checks the vector against <paramref name="point"/>'s vector shape.</summary>
    internal void Check(Hooks.HookPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        ActivationEdits.Check(point, Vector, "vector").Dispose();
    }
}
