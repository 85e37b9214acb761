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
    /// position or where <paramref name="positions"/> selects. The scope keeps its own copy of the vector (freed with the
    /// scope), so the caller may dispose <paramref name="vector"/> at once; a spec, by contrast, refers to its tensors.
    /// </summary>
    /// <exception cref="SteeringException">The vector does not fit the point (shape, dtype, NaN), or the point is unknown.</exception>
    public static HookScope AddVector(this HookScope scope, [HookName] HookTarget target, Tensor vector, double coefficient = 1.0, PositionSelector? positions = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Apply(SteeringSpec.Empty.Add(target, OwnedCopy(scope, vector), coefficient, new AddOptions { Positions = positions }));
    }

    /// <summary>
    /// Projects <paramref name="direction"/> out of the activation at <paramref name="target"/> at every real position.
    /// The scope keeps its own copy of the direction, as <see cref="AddVector"/> does.
    /// </summary>
    /// <exception cref="SteeringException">The direction does not fit the point, or is zero.</exception>
    public static HookScope Ablate(this HookScope scope, [HookName] HookTarget target, Tensor direction)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Apply(SteeringSpec.Empty.Ablate(target, OwnedCopy(scope, direction)));
    }

    /// <summary>A copy of <paramref name="tensor"/> that <paramref name="scope"/> owns, outside any dispose scope the caller has open.</summary>
    private static Tensor OwnedCopy(HookScope scope, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return scope.Own(tensor.detach().clone().DetachFromDisposeScope());
    }
}
