using System.Collections.Generic;
using System.Linq;

namespace Steering.Evaluation;

/// <summary>The log-probabilities of target completions at one coefficient, and their shift from the unsteered model.</summary>
public sealed class LogProbMeasurement
{
    internal LogProbMeasurement(double coefficient, IReadOnlyList<double> steered, IReadOnlyList<double> unsteered)
    {
        Coefficient = coefficient;
        Steered = steered;
        Unsteered = unsteered;
        Shifts = new ValueSummary(steered.Zip(unsteered, (s, u) => s - u));
    }

    /// <summary>The coefficient the steering ran at.</summary>
    public double Coefficient { get; }

    /// <summary>Each completion's steered log-probability (nats, summed over its tokens).</summary>
    public IReadOnlyList<double> Steered { get; }

    /// <summary>Each completion's unsteered log-probability.</summary>
    public IReadOnlyList<double> Unsteered { get; }

    /// <summary>Steered minus unsteered, per completion, with mean and percentiles.</summary>
    public ValueSummary Shifts { get; }

    /// <summary>The mean shift: positive when the steering makes the completions more likely.</summary>
    public double MeanShift => Shifts.Mean;
}
