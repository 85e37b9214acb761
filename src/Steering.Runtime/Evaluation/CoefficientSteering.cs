using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Evaluation;

/// <summary>
/// Steerings to measure, calibrate and sweep: each a function that installs the steering at a coefficient and returns
/// what removes it (a <see cref="Hooks.HookScope"/>). Any scope-building code is one: <c>c =&gt;
/// SteeringSpec.Empty.Add(hook, v, c).Apply(model)</c>.
/// </summary>
public static class CoefficientSteering
{
    /// <summary>coefficient × <paramref name="vector"/> added at <paramref name="hookName"/> (the caller keeps the vector alive).</summary>
    /// <exception cref="SteeringException">The hook point is unknown or the vector does not fit it (checked now, not at the first run).</exception>
    public static Func<double, IDisposable> AddVector(HookedTransformer model, [HookName] string hookName, Tensor vector) =>
        AddVectors(model, [new SteeringAddition(hookName, vector)]);

    /// <summary>
    /// coefficient × each addition (its own coefficient × its vector, at its point), all at once: one coefficient
    /// scales them together. At coefficient 0 nothing is installed. The caller keeps the vectors alive.
    /// </summary>
    /// <exception cref="SteeringException">A hook point is unknown, a vector does not fit, or an addition's coefficient is not finite.</exception>
    public static Func<double, IDisposable> AddVectors(HookedTransformer model, IReadOnlyList<SteeringAddition> additions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(additions);
        var checkedAdditions = additions.ToList();
        using (Install(model, checkedAdditions, 1.0)) { } // every hook, vector and weight checked before the first measurement
        return coefficient => Install(model, checkedAdditions, coefficient);
    }

    private static Hooks.HookScope Install(HookedTransformer model, IReadOnlyList<SteeringAddition> additions, double coefficient) =>
        coefficient == 0 ? model.Hooks.CreateScope()
        : additions.Aggregate(SteeringSpec.Empty, (spec, a) => spec.Add(a.HookName, a.Vector, coefficient * a.Coefficient)).Apply(model);
}
