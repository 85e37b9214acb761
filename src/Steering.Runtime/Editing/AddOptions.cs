namespace Steering.Editing;

/// <summary>How an added vector is scaled before the coefficient multiplies it.</summary>
public enum VectorScaling
{
    /// <summary>As given: coefficient × vector.</summary>
    AsGiven,

    /// <summary>As a unit vector: coefficient × vector / |vector|.</summary>
    Unit,

    /// <summary>
    /// Relative to the point's typical activation norm: coefficient × <see cref="AddOptions.MeanActivationNorm"/> ×
    /// vector / |vector|, so coefficient 0.5 adds half a typical activation's length.
    /// </summary>
    MeanActivationNorm,
}

/// <summary>Options of an addition: where, how the vector is scaled, and whether the activation keeps its norm.</summary>
public sealed record AddOptions
{
    /// <summary>Where to add (every real position when null).</summary>
    public PositionSelector? Positions { get; init; }

    /// <summary>How the vector is scaled (as given by default).</summary>
    public VectorScaling Scaling { get; init; }

    /// <summary>The mean activation norm at the point, for <see cref="VectorScaling.MeanActivationNorm"/>.</summary>
    public double? MeanActivationNorm { get; init; }

    /// <summary>
    /// Rescale each edited position to the norm it had before the addition (the direction changes, the length does not).
    /// </summary>
    public bool PreserveNorm { get; init; }
}
