using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Generation;
using Steering.Hooks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// Trains a vector per point on the frozen model by gradient: with the vectors added at every real position, Adam
/// lowers the mean negative log-probability of each target completion's tokens and, for targets with a contrast
/// completion, the unlikelihood loss −log(1 − p) of the contrast's tokens (bounded, unlike raising −log p); after
/// each step a vector longer than <see cref="GradientTrainingOptions.MaxNorm"/> is scaled back to it. The model's
/// weights are never changed: only the vectors require gradients, through a hook of their own that keeps the graph.
/// </summary>
public sealed class GradientVectorTrainer : VectorBuilder
{
    /// <summary>A trainer for <paramref name="targets"/>.</summary>
    /// <exception cref="SteeringException">No targets, or options out of range.</exception>
    public GradientVectorTrainer(IReadOnlyList<TrainingTarget> targets, GradientTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0) throw new SteeringException("training a vector needs at least one target");
        Targets = targets.ToArray();
        Options = (options ?? new GradientTrainingOptions()).Checked();
    }

    /// <summary>The targets.</summary>
    public IReadOnlyList<TrainingTarget> Targets { get; }

    /// <summary>Steps, learning rate, norm limit, batching.</summary>
    public GradientTrainingOptions Options { get; }

    /// <inheritdoc/>
    public override string Method => "gradient";

    /// <summary>The loss after each step of the last <see cref="Build(HookedTransformer, IReadOnlyList{HookPoint})"/>.</summary>
    public IReadOnlyList<double> LossHistory { get; private set; } = Array.Empty<double>();

    /// <inheritdoc/>
    public override SteeringVectors Build(HookedTransformer model, IReadOnlyList<HookPoint> points)
    {
        CheckPoints(model, points);
        var distinct = points.Distinct().ToList();
        var sequences = Sequences(model);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var vectors = distinct.Select(p => new Parameter(zeros(p.VectorShape.Select(s => (long)s).ToArray(), ScalarType.Float32, model.Device))).ToList();
        using var optimizer = optim.Adam(vectors, lr: Options.LearningRate);
        var history = new List<double>();
        for (var step = 0; step < Options.Steps; step++)
        {
            var total = 0.0;
            foreach (var batch in sequences.Chunk(Options.BatchSize))
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = BatchLoss(model, batch, distinct, vectors.Cast<Tensor>().ToList()) * ((double)batch.Length / sequences.Count);
                loss.backward();
                optimizer.step();
                total += loss.item<float>();
            }
            LimitNorms(vectors);
            history.Add(total);
        }
        LossHistory = history;
        return SteeringVectors.Create(model, distinct.Select((p, i) => new KeyValuePair<string, Tensor>(p.Name, vectors[i].detach())), Method);
    }

    /// <summary>The training loss of <paramref name="vectors"/> (or of the unsteered model when null) on these targets.</summary>
    /// <exception cref="SteeringException">The vectors do not fit the model.</exception>
    public double Loss(HookedTransformer model, SteeringVectors? vectors)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sequences = Sequences(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var resolved = vectors?.For(model) ?? Array.Empty<(HookPoint, Tensor)>();
        var points = resolved.Select(r => r.Item1).ToList();
        var tensors = resolved.Select(r => r.Item2.to(model.Device)).ToList();
        return sequences.Chunk(Options.BatchSize)
            .Sum(batch => BatchLoss(model, batch, points, tensors).item<float>() * batch.Length / sequences.Count);
    }

    private Tensor BatchLoss(HookedTransformer model, Sequence[] batch, List<HookPoint> points, List<Tensor> vectors)
    {
        using var hooks = model.Hooks.CreateScope();
        for (var i = 0; i < points.Count; i++)
        {
            var vector = vectors[i];
            // Not ActivationEdits.Add: that detaches its vector, and this one must carry gradients back.
            hooks.Add(points[i], (x, context) => x + context.TokenMask(x.dtype) * vector.to(x.dtype));
        }
        var (ids, mask) = TokenBatch.LeftPad(batch.Select(s => (IReadOnlyList<int>)s.Ids).ToList(), model.SpecialTokens.PaddingId, model.Device);
        var logProbs = model.Forward(ids, mask).to(ScalarType.Float32).log_softmax(-1);
        var columns = ids.shape[1];
        var total = zeros(1, ScalarType.Float32, model.Device);
        for (var row = 0; row < batch.Length; row++)
        {
            var sequence = batch[row];
            // Completion token k (at column c) is predicted at column c − 1.
            var first = columns - sequence.Ids.Length + sequence.CompletionStart;
            var count = sequence.Ids.Length - sequence.CompletionStart;
            var predicted = logProbs[row, TensorIndex.Slice(first - 1, first - 1 + count)];
            var targets = ids[row, TensorIndex.Slice(first, first + count)].unsqueeze(-1);
            var tokenLogProbs = predicted.gather(-1, targets).squeeze(-1);
            total += sequence.IsContrast
                ? -Options.ContrastWeight * (-tokenLogProbs.exp()).clamp_min(-1 + 1e-6).log1p().mean()
                : -tokenLogProbs.mean();
        }
        return total.sum() / batch.Length;
    }

    private void LimitNorms(IReadOnlyList<Parameter> vectors)
    {
        if (Options.MaxNorm is not { } limit) return;
        using var noGrad = no_grad();
        foreach (var vector in vectors)
        {
            var norm = vector.norm().item<float>();
            if (norm > limit) vector.mul_(limit / norm);
        }
    }

    private List<Sequence> Sequences(HookedTransformer model)
    {
        var tokenizer = model.Tokenizer;
        var sequences = new List<Sequence>();
        foreach (var target in Targets)
        {
            var prompt = target.PromptIds(tokenizer);
            if (prompt.Length == 0) throw new SteeringException($"the training prompt '{target.Text}' has no tokens");
            sequences.Add(new Sequence(prompt.Concat(TrainingTarget.CompletionIds(tokenizer, target.Completion)).ToArray(), prompt.Length, false));
            if (target.Contrast is { } contrast)
                sequences.Add(new Sequence(prompt.Concat(TrainingTarget.CompletionIds(tokenizer, contrast)).ToArray(), prompt.Length, true));
        }
        return sequences;
    }

    private sealed record Sequence(int[] Ids, int CompletionStart, bool IsContrast);
}

/// <summary>How <see cref="GradientVectorTrainer"/> trains.</summary>
public sealed record GradientTrainingOptions
{
    /// <summary>Passes over the targets (default 50).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Adam's learning rate (default 0.05).</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>The longest a vector may grow (its L2 norm); null for no limit.</summary>
    public double? MaxNorm { get; init; }

    /// <summary>The weight of the contrast completions' unlikelihood loss (default 1).</summary>
    public double ContrastWeight { get; init; } = 1.0;

    /// <summary>Sequences per forward pass (default 8).</summary>
    public int BatchSize { get; init; } = 8;

    internal GradientTrainingOptions Checked()
    {
        if (Steps < 1) throw new SteeringException($"training needs at least one step (steps {Steps})");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new SteeringException($"the learning rate is {LearningRate}; it must be a positive number");
        if (MaxNorm is { } max && (!(max > 0) || !double.IsFinite(max))) throw new SteeringException($"the norm limit is {max}; it must be a positive number");
        if (!(ContrastWeight >= 0) || !double.IsFinite(ContrastWeight)) throw new SteeringException($"the contrast weight is {ContrastWeight}; it must be ≥ 0");
        if (BatchSize < 1) throw new SteeringException($"the batch size is {BatchSize}; it must be at least 1");
        return this;
    }
}
