using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Evaluation;

/// <summary>
/// Steerings to measure, calibrate and sweep: each a function from a coefficient to the <see cref="SteeringSpec"/> to
/// run with. The probes pass it with each call (per call, not on the model's hook points), so they can measure beside
/// other users of the same model, e.g. a server. Any spec-building code is one: <c>c =&gt; SteeringSpec.Empty.Add(hook, v, c)</c>.
/// </summary>
public static class CoefficientSteering
{
    /// <summary>coefficient × <paramref name="vector"/> added at <paramref name="hookName"/> (the caller keeps the vector alive).</summary>
    /// <exception cref="SteeringException">The hook point is unknown or the vector does not fit it (checked now, not at the first run).</exception>
    public static Func<double, SteeringSpec> AddVector(HookedTransformer model, [HookName] string hookName, Tensor vector) =>
        AddVectors(model, [new SteeringAddition(hookName, vector)]);

    /// <summary>
    /// coefficient × each addition (its own coefficient × its vector, at its point), all at once: one coefficient
    /// scales them together. At coefficient 0 the spec is empty. The caller keeps the vectors alive.
    /// </summary>
    /// <exception cref="SteeringException">A hook point is unknown, a vector does not fit, or an addition's coefficient is not finite.</exception>
    public static Func<double, SteeringSpec> AddVectors(HookedTransformer model, IReadOnlyList<SteeringAddition> additions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(additions);
        var checkedAdditions = additions.ToList();
        Spec(checkedAdditions, 1.0).Check(model); // every hook, vector and weight checked before the first measurement
        return coefficient => Spec(checkedAdditions, coefficient);
    }

    private static SteeringSpec Spec(IReadOnlyList<SteeringAddition> additions, double coefficient) =>
        coefficient == 0 ? SteeringSpec.Empty
        : additions.Aggregate(SteeringSpec.Empty, (spec, a) => spec.Add(a.HookName, a.Vector, coefficient * a.Coefficient));
}
