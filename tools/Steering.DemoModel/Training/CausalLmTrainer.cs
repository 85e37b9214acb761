using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.DemoModel.Training;

/// <summary>
/// Trains a model of any family on next-token prediction over a token stream: random windows, full-vocabulary cross-entropy,
/// AdamW with warm-up and cosine decay, gradient clipping. Deterministic for a given seed, data and thread count.
/// </summary>
public static class CausalLmTrainer
{
    /// <exception cref="SteeringException">Settings out of range or a stream too short for one window.</exception>
    public static TrainingReport Train(HookedTransformer model, IReadOnlyList<int> tokens, TrainingOptions options, IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        Validate(model, tokens, options);

        var parameters = model.NamedParameters().Select(p => p.Parameter).ToList();
        foreach (var parameter in parameters) parameter.requires_grad = true;
        var stream = tensor(tokens.Select(t => (long)t).ToArray(), ScalarType.Int64);
        var random = new Random(unchecked((int)options.Seed));
        var recent = new Queue<double>();
        try
        {
            using var optimizer = optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay);
            for (var step = 1; step <= options.Steps; step++)
            {
                var rate = LearningRateAt(step, options);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                var loss = Step(model, stream, optimizer, random, options);
                recent.Enqueue(loss);
                if (recent.Count > 50) recent.Dequeue();
                progress?.Report(new TrainingProgress(step, options.Steps, loss, rate));
            }
        }
        finally
        {
            foreach (var parameter in parameters) parameter.requires_grad = false;
            stream.Dispose();
        }
        return new TrainingReport(options.Steps, recent.Average(), (long)options.Steps * options.BatchSize * options.SequenceLength);
    }

    private static double Step(HookedTransformer model, Tensor stream, optim.Optimizer optimizer, Random random, TrainingOptions options)
    {
        using var scope = NewDisposeScope();
        var window = options.SequenceLength + 1;
        var starts = Enumerable.Range(0, options.BatchSize).Select(_ => (long)random.Next((int)(stream.shape[0] - window + 1))).ToArray();
        var batch = stack(starts.Select(s => stream.narrow(0, s, window)).ToArray()).to(model.Device);
        var inputs = batch[.., ..^1];
        var targets = batch[.., 1..];

        optimizer.zero_grad();
        var logits = model.Forward(inputs);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
        loss.backward();
        nn.utils.clip_grad_norm_(model.NamedParameters().Select(p => p.Parameter), options.GradientClip);
        optimizer.step();
        return loss.item<float>();
    }

    private static double LearningRateAt(int step, TrainingOptions options)
    {
        if (step <= options.WarmupSteps) return options.LearningRate * step / Math.Max(1, options.WarmupSteps);
        var progress = (double)(step - options.WarmupSteps) / Math.Max(1, options.Steps - options.WarmupSteps);
        return options.MinLearningRate + (0.5 * (options.LearningRate - options.MinLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }

    private static void Validate(HookedTransformer model, IReadOnlyList<int> tokens, TrainingOptions options)
    {
        if (options.Steps < 1 || options.BatchSize < 1 || options.SequenceLength < 1)
            throw new SteeringException("steps, batch size and sequence length must each be at least 1");
        if (options.SequenceLength > model.Dimensions.NCtx)
            throw new SteeringException($"sequence length {options.SequenceLength} exceeds the model's context {model.Dimensions.NCtx}");
        if (tokens.Count < options.SequenceLength + 1)
            throw new SteeringException($"{tokens.Count} tokens are too few for one window of {options.SequenceLength + 1}");
        if (!(options.LearningRate > 0) || options.MinLearningRate < 0 || options.WarmupSteps < 0 || options.WeightDecay < 0 || !(options.GradientClip > 0))
            throw new SteeringException("learning rates, warm-up, weight decay and the gradient clip must be non-negative (and the peak rate and clip positive)");
        var outside = tokens.Where(t => t < 0 || t >= model.Dimensions.DVocab).Select(t => (int?)t).FirstOrDefault();
        if (outside is not null)
            throw new SteeringException($"token {outside} is outside the model's vocabulary");
    }
}
