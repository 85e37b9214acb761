using System;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>Steering edits installed through a <see cref="HookScope"/> (model-wide, until the scope is disposed).</summary>
public static class SteeringScopes
{
    /// <summary>Installs <paramref name="spec"/>'s edits in <paramref name="scope"/> (see <see cref="SteeringSpec.Apply"/>).</summary>
    /// <returns>The scope, to chain more.</returns>
    /// <exception cref="SteeringException">The spec does not fit the scope's model; nothing is installed then.</exception>
    public static HookScope Apply(this HookScope scope, SteeringSpec spec)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(spec);
        var steering = new ScopeSteering(spec, scope.Points);
        foreach (var point in steering.Bound.TouchedPoints)
            scope.Add(point, steering.HookAt(point));
        return scope;
    }

    /// <summary>
    /// Adds <paramref name="coefficient"/> × <paramref name="vector"/> at <paramref name="target"/>, at every real
    /// position or where <paramref name="positions"/> selects. The scope refers to the vector: keep it alive while the
    /// scope is, or hand it over with <see cref="HookScope.Own{T}"/>.
    /// </summary>
    /// <exception cref="SteeringException">The vector does not fit the point (shape, dtype, NaN), or the point is unknown.</exception>
    public static HookScope AddVector(this HookScope scope, [HookName] HookTarget target, Tensor vector, double coefficient = 1.0, PositionSelector? positions = null) =>
        scope.Apply(SteeringSpec.Empty.Add(target, vector, coefficient, new AddOptions { Positions = positions }));

    /// <summary>Projects <paramref name="direction"/> out of the activation at <paramref name="target"/> at every real position.</summary>
    /// <exception cref="SteeringException">The direction does not fit the point, or is zero.</exception>
    public static HookScope Ablate(this HookScope scope, [HookName] HookTarget target, Tensor direction) =>
        scope.Apply(SteeringSpec.Empty.Ablate(target, direction));
}
