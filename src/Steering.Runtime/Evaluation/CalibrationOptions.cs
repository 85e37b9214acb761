namespace Steering.Evaluation;

/// <summary>How <see cref="Calibration"/> searches for a coefficient.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Search among negative coefficients (e.g. to steer away from a concept) instead of positive ones.</summary>
    public bool Negative { get; init; }

    /// <summary>The first coefficient magnitude tried; the search doubles it until the target is passed. Default 1.</summary>
    public double InitialCoefficient { get; init; } = 1;

    /// <summary>The largest coefficient magnitude tried: a target not reached there is unreachable. Default 1024.</summary>
    public double MaxCoefficient { get; init; } = 1024;

    /// <summary>Done when the measure is within this fraction of the target (default 0.02: 1 ± 0.02).</summary>
    public double RelativeTolerance { get; init; } = 0.02;

    /// <summary>The most measurements to make (each is a pass over the prompt set). Default 40.</summary>
    public int MaxEvaluations { get; init; } = 40;

    /// <exception cref="SteeringException">A bound that is not a positive finite number, or an initial coefficient above the largest.</exception>
    internal void Validate()
    {
        if (!(double.IsFinite(InitialCoefficient) && InitialCoefficient > 0))
            throw new SteeringException($"the initial coefficient is {InitialCoefficient}; it must be a positive finite number");
        if (!(double.IsFinite(MaxCoefficient) && MaxCoefficient >= InitialCoefficient))
            throw new SteeringException($"the largest coefficient is {MaxCoefficient}; it must be finite and at least the initial {InitialCoefficient}");
        if (!(double.IsFinite(RelativeTolerance) && RelativeTolerance > 0 && RelativeTolerance < 1))
            throw new SteeringException($"the relative tolerance is {RelativeTolerance}; it must be between 0 and 1");
        if (MaxEvaluations < 1) throw new SteeringException($"the calibration needs at least one measurement; MaxEvaluations is {MaxEvaluations}");
    }
}
