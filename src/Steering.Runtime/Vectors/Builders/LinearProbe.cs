using System;
using System.Collections.Generic;
using Steering.Activations;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// A logistic-regression probe that tells positives (label 1) from negatives (label 0) by their activations, trained
/// with L2 regularization; its steering vector is the unit weight vector (the direction in which the probe's log-odds
/// of "positive" rise fastest).
/// </summary>
public sealed class LinearProbe : ContrastBuilder
{
    /// <summary>A probe builder over <paramref name="pairs"/>: every positive is an example of class 1, every negative of class 0.</summary>
    /// <param name="pairs">The examples.</param>
    /// <param name="l2">The L2 penalty on the weights (on standardized features).</param>
    /// <param name="reduction">How each prompt's activations become one vector (default: the last token).</param>
    /// <param name="collection">Batching and progress.</param>
    public LinearProbe(IReadOnlyList<ContrastPair> pairs, double l2 = 1e-3, TokenReduction? reduction = null, CollectionOptions? collection = null)
        : base(pairs, reduction, collection)
    {
        if (!(l2 >= 0) || !double.IsFinite(l2)) throw new SteeringException($"the L2 penalty is {l2}; it must be a finite number ≥ 0");
        L2 = l2;
    }

    /// <summary>The L2 penalty.</summary>
    public double L2 { get; }

    /// <inheritdoc/>
    public override string Method => "probe";

    /// <inheritdoc/>
    protected override Tensor Direction(Tensor positives, Tensor negatives)
    {
        using var scope = NewDisposeScope();
        var x = cat(new[] { positives, negatives });
        var y = cat(new[] { ones(positives.shape[0], ScalarType.Float64), zeros(negatives.shape[0], ScalarType.Float64) });
        var (weight, _) = Fit(x, y, L2);
        var norm = weight.norm().item<double>();
        if (!(norm > 0)) throw new SteeringException("the probe found no direction (its weights are zero)");
        return (weight / norm).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Fits log-odds = x·w + b to labels <paramref name="labels"/> (0 or 1) by full-batch Adam on the mean logistic loss
    /// plus <paramref name="l2"/>·|w|², with features standardized (centered, divided by their overall scale) for the fit
    /// and the weights returned in the original units.
    /// </summary>
    /// <param name="features">[examples, features].</param>
    /// <param name="labels">[examples], 0 or 1.</param>
    /// <param name="l2">The L2 penalty on the standardized weights.</param>
    /// <param name="steps">Optimizer steps.</param>
    /// <returns>The weights [features] and bias, float64, owned by the caller.</returns>
    public static (Tensor Weight, double Bias) Fit(Tensor features, Tensor labels, double l2 = 1e-3, int steps = 500)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var x = features.to(ScalarType.Float64).detach();
        var y = labels.to(ScalarType.Float64).detach();
        var mean = x.mean(new long[] { 0 });
        var spread = (x - mean).pow(2).mean().sqrt().item<double>();
        var scale = spread > 0 ? spread : 1.0;
        var z = (x - mean) / scale;
        var w = new Parameter(zeros(x.shape[1], ScalarType.Float64));
        var b = new Parameter(zeros(1, ScalarType.Float64));
        using var optimizer = optim.Adam(new[] { w, b }, lr: 0.05);
        for (var step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = z.matmul(w) + b;
            var loss = nn.functional.binary_cross_entropy_with_logits(logits, y) + l2 * w.pow(2).sum();
            loss.backward();
            optimizer.step();
        }
        // log-odds = ((x − mean)/scale)·w + b = x·(w/scale) + (b − mean·w/scale)
        var weight = (w.detach() / scale).clone();
        var bias = b.item<double>() - mean.dot(weight).item<double>();
        return (weight.MoveToOuterDisposeScope(), bias);
    }
}
