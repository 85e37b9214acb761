using System.Collections.Generic;

namespace Steering.Evaluation;

/// <summary>The scored completions at one coefficient.</summary>
/// <param name="Coefficient">The coefficient the steering ran at.</param>
/// <param name="Completions">The completions' new text, in the order <see cref="EffectProbe.Complete"/> gives them.</param>
/// <param name="Scores">Their scores, in the same order, with mean and percentiles.</param>
public sealed record EffectMeasurement(double Coefficient, IReadOnlyList<string> Completions, ValueSummary Scores)
{
    /// <summary>The mean score: the effect.</summary>
    public double Mean => Scores.Mean;
}
