namespace Steering.Evaluation;

/// <summary>What <see cref="SteeringEvaluator.Evaluate"/> measured at one coefficient (null where no probe was given).</summary>
/// <param name="Coefficient">The coefficient the steering ran at.</param>
/// <param name="Effect">The scored completions.</param>
/// <param name="Kl">KL(steered ‖ unsteered) of next-token distributions.</param>
/// <param name="LogProb">The target completions' log-probability shift.</param>
/// <param name="Perplexity">The perplexity of neutral texts.</param>
public sealed record SteeringEvaluation(
    double Coefficient,
    EffectMeasurement? Effect,
    KlMeasurement? Kl,
    LogProbMeasurement? LogProb,
    PerplexityMeasurement? Perplexity);
