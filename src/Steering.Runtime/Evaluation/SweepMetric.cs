using System;
using System.Collections.Generic;

namespace Steering.Evaluation;

/// <summary>One number a sweep reports per cell: a table column and a plot panel.</summary>
/// <param name="Column">The CSV column name.</param>
/// <param name="Title">What it is, in words (a plot's axis label).</param>
/// <param name="Read">The number from an evaluation, or null when it was not measured.</param>
public sealed record SweepMetric(string Column, string Title, Func<SteeringEvaluation, double?> Read)
{
    /// <summary>The effect: the mean score of the steered completions.</summary>
    public static SweepMetric Effect { get; } = new("effect", "effect (mean score)", e => e.Effect?.Mean);

    /// <summary>Mean KL(steered ‖ unsteered) over the compared positions.</summary>
    public static SweepMetric KlMean { get; } = new("kl_mean", "mean KL to unsteered (nats)", e => e.Kl?.Mean);

    /// <summary>The 95th percentile of KL(steered ‖ unsteered).</summary>
    public static SweepMetric Kl95 { get; } = new("kl_p95", "95th-percentile KL (nats)", e => e.Kl?.Percentile(95));

    /// <summary>The target completions' mean log-probability shift.</summary>
    public static SweepMetric LogProbShift { get; } = new("log_prob_shift", "target log-prob shift (nats)", e => e.LogProb?.MeanShift);

    /// <summary>The perplexity of the neutral texts, steered.</summary>
    public static SweepMetric Perplexity { get; } = new("perplexity", "perplexity of neutral text", e => e.Perplexity?.Steered);

    /// <summary>Every metric, in table order.</summary>
    public static IReadOnlyList<SweepMetric> All { get; } = [Effect, KlMean, Kl95, LogProbShift, Perplexity];
}
