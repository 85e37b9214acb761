using System;
using static TorchSharp.torch;

namespace Steering.Evaluation;

/// <summary>
/// How far one next-token distribution is from another, computed from logits in float32 whatever the model's dtype
/// (a half-precision softmax loses the small probabilities that KL divergence is made of).
/// </summary>
public static class Divergence
{
    /// <summary>
    /// KL(P ‖ Q) = Σ_v P(v) (log P(v) − log Q(v)) over the last dimension, with P = softmax(<paramref name="logits"/>)
    /// and Q = softmax(<paramref name="referenceLogits"/>); the result has the leading dimensions, in nats.
    /// </summary>
    /// <exception cref="ArgumentException">The two tensors differ in shape.</exception>
    public static Tensor KlDivergence(Tensor logits, Tensor referenceLogits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(referenceLogits);
        if (!logits.shape.AsSpan().SequenceEqual(referenceLogits.shape))
            throw new ArgumentException(
                $"the logits are [{string.Join(", ", logits.shape)}] and the reference logits [{string.Join(", ", referenceLogits.shape)}]",
                nameof(referenceLogits));
        using var scope = NewDisposeScope();
        return Kl(LogProbabilities(logits), LogProbabilities(referenceLogits)).MoveToOuterDisposeScope();
    }

    /// <summary>log softmax over the last dimension, in float32.</summary>
    internal static Tensor LogProbabilities(Tensor logits) => logits.to(ScalarType.Float32).log_softmax(-1);

    /// <summary>
    /// KL(P ‖ Q) from log-probabilities. A token P gives no probability adds nothing (0·log 0 = 0), and tiny negative
    /// sums from rounding are 0: KL divergence is never negative.
    /// </summary>
    internal static Tensor Kl(Tensor logP, Tensor logQ)
    {
        var p = logP.exp();
        var terms = p * (logP - logQ);
        return terms.where(p.gt(0), zeros_like(terms)).sum(-1).clamp_min(0);
    }
}
