using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using static TorchSharp.torch;

namespace Steering.Evaluation;

/// <summary>
/// Measures how much a steering changes the model's next-token distributions on a prompt set: KL(steered ‖ unsteered)
/// at every real position of each prompt, or at its last. The unsteered distributions are computed once (within
/// <see cref="EvaluationOptions.ReferenceCacheBytes"/>) and compared with every steered run.
/// </summary>
public sealed class KlProbe : IDisposable
{
    private readonly HookedTransformer _model;
    private readonly IReadOnlyList<IReadOnlyList<int>> _prompts;
    private readonly EvaluationOptions _options;
    private List<Tensor>? _reference;
    private bool _disposed;

    /// <summary>Prepares the probe for tokenized prompts.</summary>
    /// <exception cref="SteeringException">No prompts, an empty prompt, or bad options.</exception>
    public KlProbe(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts, KlPositions positions = KlPositions.All,
        EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Generation.TokenBatch.Validate(prompts);
        _options = options ?? new EvaluationOptions();
        _options.Validate();
        _model = model;
        _prompts = prompts;
        Positions = positions;
        var compared = positions == KlPositions.All ? prompts.Sum(p => (long)p.Count) : prompts.Count;
        if (compared * model.Dimensions.DVocab * sizeof(float) <= _options.ReferenceCacheBytes)
            _reference = EvaluationBatches.Split(prompts, _options.BatchSize).Select(batch => Reference(batch.Rows).DetachFromDisposeScope()).ToList();
    }

    /// <summary>Prepares the probe for prompts given as text (tokenized with the model's tokenizer).</summary>
    /// <exception cref="SteeringException">No prompts, a prompt that tokenizes to nothing, or bad options.</exception>
    public static KlProbe FromText(HookedTransformer model, IReadOnlyList<string> prompts, KlPositions positions = KlPositions.All,
        EvaluationOptions? options = null) =>
        new(model, EvaluationBatches.Encode(model, prompts), positions, options);

    /// <summary>Where the distributions are compared.</summary>
    public KlPositions Positions { get; }

    /// <summary>
    /// KL(steered ‖ unsteered) with the model steered by <paramref name="steering"/> at <paramref name="coefficient"/>
    /// (per call: other users of the model are not affected), per prompt and over all compared positions.
    /// </summary>
    public KlMeasurement Measure(Func<double, SteeringSpec> steering, double coefficient)
    {
        ArgumentNullException.ThrowIfNull(steering);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var spec = steering(coefficient);
        var perPrompt = new List<double[]>();
        var batchIndex = 0;
        foreach (var (_, rows) in EvaluationBatches.Split(_prompts, _options.BatchSize))
        {
            using var scope = NewDisposeScope();
            var reference = _reference?[batchIndex] ?? Reference(rows);
            var (logProbs, _, mask) = EvaluationBatches.Forward(_model, rows, spec);
            var steered = Compared(logProbs, mask);
            var values = Divergence.Kl(steered, reference).to(ScalarType.Float64).cpu().data<double>().ToArray();
            var offset = 0;
            foreach (var row in rows)
            {
                var count = Positions == KlPositions.All ? row.Count : 1;
                perPrompt.Add(values[offset..(offset + count)]);
                offset += count;
            }
            batchIndex++;
        }
        return new KlMeasurement(coefficient, perPrompt);
    }

    /// <summary>Frees the unsteered distributions.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var tensor in _reference ?? []) tensor.Dispose();
        _reference = null;
    }

    /// <summary>The unsteered log-probabilities at the compared positions, detached from any dispose scope.</summary>
    private Tensor Reference(IReadOnlyList<IReadOnlyList<int>> rows)
    {
        using var scope = NewDisposeScope();
        var (logProbs, _, mask) = EvaluationBatches.Forward(_model, rows, steering: null);
        return Compared(logProbs, mask).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The log-probabilities at the compared positions, [n, d_vocab]: every real position, row by row (boolean
    /// indexing keeps row-major order), or the last column, which left padding makes every prompt's last token.
    /// </summary>
    private Tensor Compared(Tensor logProbs, Tensor mask) =>
        Positions == KlPositions.All ? logProbs[mask] : logProbs[.., -1];
}
