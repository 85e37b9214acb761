using System;
using Steering.Evaluation;
using static TorchSharp.torch;

namespace Steering.Tests.Evaluation;

public sealed class DivergenceTests
{
    [Fact]
    public void Kl_divergence_is_the_hand_computed_sum_over_the_vocabulary()
    {
        using var scope = NewDisposeScope();
        // Row 0: P = softmax(0, ln 2) = (1/3, 2/3), Q = uniform (1/2, 1/2).
        // Row 1: P = softmax(ln 3, 0) = (3/4, 1/4), Q = softmax(0, ln 3) = (1/4, 3/4).
        var logits = tensor(new[] { 0f, (float)Math.Log(2), (float)Math.Log(3), 0f }, new long[] { 2, 2 });
        var reference = tensor(new[] { 0f, 0f, 0f, (float)Math.Log(3) }, new long[] { 2, 2 });
        var expected0 = (1.0 / 3 * Math.Log(1.0 / 3 / 0.5)) + (2.0 / 3 * Math.Log(2.0 / 3 / 0.5));
        var expected1 = (0.75 * Math.Log(0.75 / 0.25)) + (0.25 * Math.Log(0.25 / 0.75));

        var kl = Divergence.KlDivergence(logits, reference);

        Assert.Equal(new long[] { 2 }, kl.shape);
        Assert.Equal(expected0, kl[0].item<float>(), 6);
        Assert.Equal(expected1, kl[1].item<float>(), 6);
        Assert.Equal(0, Divergence.KlDivergence(logits, logits).abs().max().item<float>());
    }

    [Fact]
    public void A_token_with_no_probability_adds_nothing_and_half_precision_logits_are_compared_in_float32()
    {
        using var scope = NewDisposeScope();
        // P gives the second token no probability at all (exp(-inf) = 0): 0·log 0 counts as 0, not NaN.
        var logits = tensor(new[] { 0f, float.NegativeInfinity, 0f });
        var reference = zeros(3);
        var expected = 2 * (0.5 * Math.Log(0.5 / (1.0 / 3)));
        Assert.Equal(expected, Divergence.KlDivergence(logits, reference).item<float>(), 6);

        var half = tensor(new[] { 0f, (float)Math.Log(2) }).to(ScalarType.Float16);
        Assert.Equal(ScalarType.Float32, Divergence.KlDivergence(half, zeros(2, ScalarType.Float16)).dtype);
    }

    [Fact]
    public void Percentiles_interpolate_between_ranks_as_numpy_does()
    {
        var summary = new ValueSummary(new[] { 4.0, 1.0, 3.0, 2.0 });
        // numpy.percentile([1, 2, 3, 4], q): rank q/100·3.
        Assert.Equal(2.5, summary.Mean);
        Assert.Equal(1.0, summary.Percentile(0));
        Assert.Equal(3.85, summary.Percentile(95), 12);
        Assert.Equal(2.5, summary.Percentile(50), 12);
        Assert.Equal(4.0, summary.Percentile(100));
        Assert.Equal(7.0, new ValueSummary(new[] { 7.0 }).Percentile(95));
        Assert.Contains("between 0 and 100", Assert.Throws<SteeringException>(() => summary.Percentile(101)).Message);
        Assert.Throws<SteeringException>(() => new ValueSummary(Array.Empty<double>()));
    }
}
