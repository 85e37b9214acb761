using System;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering;

/// <summary>
/// One <see cref="SteerAtAttribute"/> site as the generated class declares it: the point, the schema it was checked
/// against, and its settings (all checked at compile time). <see cref="SteeringVectorSet"/> applies it.
/// </summary>
public sealed class SteeringSite
{
    /// <summary>Describes a site.</summary>
    /// <param name="point">The hook point.</param>
    /// <param name="schema">The schema the site was checked against: a model with this identity gets this site.</param>
    /// <param name="coefficient">The site's strength (times the coefficient given to Apply).</param>
    /// <param name="positions">Which positions are steered.</param>
    /// <param name="count">k for <see cref="SteerPositions.First"/> and <see cref="SteerPositions.Last"/>.</param>
    /// <param name="normalization">How the vector is scaled before it is added.</param>
    /// <param name="method">The method the vector is built with (<see cref="SteeringMethod.Any"/> when not declared).</param>
    public SteeringSite(
        HookPointRef point, SchemaIdentity schema, double coefficient = 1.0, SteerPositions positions = SteerPositions.All, int count = 0,
        VectorNormalization normalization = VectorNormalization.None, SteeringMethod method = SteeringMethod.Any)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(schema);
        if (!double.IsFinite(coefficient)) throw new SteeringException($"the coefficient for '{point.Name}' is {coefficient}");
        if (positions is SteerPositions.First or SteerPositions.Last ? count < 1 : count != 0)
            throw new SteeringException($"'{point.Name}': {positions} positions with count {count}");
        Point = point;
        Schema = schema;
        Coefficient = coefficient;
        Positions = positions;
        Count = count;
        Normalization = normalization;
        Method = method;
    }

    /// <summary>The hook point.</summary>
    public HookPointRef Point { get; }

    /// <summary>The schema the site was checked against.</summary>
    public SchemaIdentity Schema { get; }

    /// <summary>The site's strength.</summary>
    public double Coefficient { get; }

    /// <summary>Which positions are steered.</summary>
    public SteerPositions Positions { get; }

    /// <summary>k for <see cref="SteerPositions.First"/> and <see cref="SteerPositions.Last"/>; 0 otherwise.</summary>
    public int Count { get; }

    /// <summary>How the vector is scaled before it is added.</summary>
    public VectorNormalization Normalization { get; }

    /// <summary>The method the vector is built with.</summary>
    public SteeringMethod Method { get; }

    /// <summary>The hook that adds <paramref name="vector"/> (the site's checked vector) times <paramref name="coefficient"/> here.</summary>
    internal HookFunction Hook(HookPoint point, Tensor vector, double coefficient)
    {
        var strength = Coefficient * coefficient;
        var selected = Selection();
        if (Normalization == VectorNormalization.None) return Vectors.ActivationEdits.Add(point, vector, strength, selected);
        using var norm = vector.norm();
        if (norm.item<float>() == 0) throw new SteeringException($"the vector for '{point.Name}' is zero and cannot be normalized");
        using var unit = vector.div(norm);
        if (Normalization == VectorNormalization.Unit) return Vectors.ActivationEdits.Add(point, unit, strength, selected);
        // ActivationNorm: per position, the vector is as long as the activation there (times the strength).
        var owned = Vectors.ActivationEdits.Add(point, unit, 1.0, selected);
        return (x, context) =>
        {
            using var size = x.norm(-1, keepdim: true);
            var delta = owned(zeros_like(x), context)!;
            return x + delta * size * strength;
        };
    }

    private Func<HookContext, Tensor>? Selection() => Positions switch
    {
        SteerPositions.All => null,
        SteerPositions.Prompt => context => full_like(context.Positions, context.Phase == ForwardPhase.Prefill, ScalarType.Bool),
        SteerPositions.Generated => context => full_like(context.Positions, context.Phase == ForwardPhase.Decode, ScalarType.Bool),
        SteerPositions.First => context => context.Positions.lt(Count),
        _ => context =>
        {
            if (context.Phase != ForwardPhase.Prefill) return zeros_like(context.Positions, ScalarType.Bool);
            var last = context.Positions.masked_fill(context.IsPadding, -1).amax(new long[] { 1 }, keepdim: true);
            return context.Positions.gt(last - Count);
        },
    };
}
