using System.Collections.Generic;
using System.Linq;

namespace Steering.Evaluation;

/// <summary>KL(steered ‖ unsteered) of next-token distributions at one coefficient, in nats.</summary>
public sealed class KlMeasurement
{
    internal KlMeasurement(double coefficient, IReadOnlyList<double[]> perPrompt)
    {
        Coefficient = coefficient;
        PerPrompt = perPrompt;
        Summary = new ValueSummary(perPrompt.SelectMany(values => values));
    }

    /// <summary>The coefficient the steering ran at.</summary>
    public double Coefficient { get; }

    /// <summary>Each prompt's KL values: one per real position (in order), or one for its last position.</summary>
    public IReadOnlyList<double[]> PerPrompt { get; }

    /// <summary>Every compared position of every prompt together: <see cref="ValueSummary.Mean"/>, percentiles, max.</summary>
    public ValueSummary Summary { get; }

    /// <summary>The mean KL over all compared positions.</summary>
    public double Mean => Summary.Mean;

    /// <summary>The <paramref name="percent"/>th percentile of KL over all compared positions.</summary>
    public double Percentile(double percent) => Summary.Percentile(percent);
}
