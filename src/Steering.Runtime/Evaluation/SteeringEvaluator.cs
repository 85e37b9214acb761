using System;
using Steering.Editing;

namespace Steering.Evaluation;

/// <summary>
/// The whole report on a steering at a coefficient from the probes given: its effect (a scorer's mean over generated
/// completions), KL to the unsteered model, the target log-probability shift, and the perplexity cost on neutral text.
/// Give only the probes you want measured.
/// </summary>
public sealed class SteeringEvaluator : IDisposable
{
    /// <summary>The effect by a user's scorer, or null.</summary>
    public EffectProbe? Effect { get; init; }

    /// <summary>KL(steered ‖ unsteered) on a prompt set, or null.</summary>
    public KlProbe? Kl { get; init; }

    /// <summary>The log-probability shift of target completions, or null.</summary>
    public LogProbProbe? LogProb { get; init; }

    /// <summary>The perplexity of neutral texts, or null.</summary>
    public PerplexityProbe? Perplexity { get; init; }

    /// <summary>Every given probe's measurement with the model steered by <paramref name="steering"/> at <paramref name="coefficient"/> (per call).</summary>
    /// <exception cref="SteeringException">No probe was given, or the coefficient is not finite.</exception>
    public SteeringEvaluation Evaluate(Func<double, SteeringSpec> steering, double coefficient)
    {
        ArgumentNullException.ThrowIfNull(steering);
        if (Effect is null && Kl is null && LogProb is null && Perplexity is null)
            throw new SteeringException("nothing to measure: give an effect, KL, log-probability or perplexity probe");
        if (!double.IsFinite(coefficient)) throw new SteeringException($"the coefficient {coefficient} is not a finite number");
        return new SteeringEvaluation(coefficient,
            Effect?.Measure(steering, coefficient),
            Kl?.Measure(steering, coefficient),
            LogProb?.Measure(steering, coefficient),
            Perplexity?.Measure(steering, coefficient));
    }

    /// <summary>Frees the probes' cached unsteered results.</summary>
    public void Dispose() => Kl?.Dispose();
}
