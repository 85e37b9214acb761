using System;
using Steering.Editing;
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

    /// <summary>
    /// <paramref name="spec"/> with this site's edit: <paramref name="vector"/> (the set's checked vector) times the
    /// site's coefficient and <paramref name="coefficient"/>, at the site's positions, normalized as the site says.
    /// </summary>
    internal SteeringSpec AddTo(SteeringSpec spec, Tensor vector, double coefficient)
    {
        var strength = Coefficient * coefficient;
        if (Normalization != VectorNormalization.ActivationNorm)
        {
            var scaling = Normalization == VectorNormalization.Unit ? VectorScaling.Unit : VectorScaling.AsGiven;
            return spec.Add(Point, vector, strength, new AddOptions { Positions = Selector(), Scaling = scaling });
        }
        using (var norm = vector.norm())
        {
            if (norm.item<float>() == 0) throw new SteeringException($"the vector for '{Point.Name}' is zero and cannot be normalized");
        }
        // Per position: the unit vector times that position's own activation norm (AddOptions scales by one number).
        return spec.Custom(Point, (x, _) => x + (x.norm(-1, keepdim: true) * (vector / vector.norm()).to(x.dtype, x.device) * strength), Selector());
    }

    private PositionSelector? Selector() => Positions switch
    {
        SteerPositions.All => null,
        SteerPositions.Prompt => PositionSelector.Prompt,
        SteerPositions.Generated => PositionSelector.Generated,
        SteerPositions.First => PositionSelector.First(Count),
        _ => PositionSelector.Last(Count),
    };
}
