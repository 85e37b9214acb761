using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Generation;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Activations;

/// <summary>
/// Runs many prompts through a model in left-padded batches and keeps, for each hook point, one reduced vector per
/// prompt (see <see cref="TokenReduction"/>): the shared first step of every vector builder. Padding is never read;
/// batched results equal one prompt at a time up to float rounding.
/// </summary>
public static class ActivationCollector
{
    /// <summary>
    /// The reduced activations of <paramref name="prompts"/> at <paramref name="points"/>: per point a tensor
    /// [prompts, ...vector shape] in prompt order.
    /// </summary>
    /// <exception cref="SteeringException">No prompts or points, a point that is not per-position, or a prompt the reduction cannot read.</exception>
    public static CollectedActivations Collect(HookedTransformer model, IReadOnlyList<TokenizedPrompt> prompts,
        IReadOnlyList<HookPoint> points, TokenReduction reduction, CollectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(reduction);
        options ??= new CollectionOptions();
        if (options.BatchSize < 1) throw new SteeringException($"the batch size is {options.BatchSize}; it must be at least 1");
        if (points.Count == 0) throw new SteeringException("no hook points to collect at");
        TokenBatch.Validate(prompts.Select(p => p.Ids).ToList());
        var distinct = points.Distinct().ToList();
        foreach (var point in distinct)
        {
            if (!ReferenceEquals(model.Hooks[point.Name], point))
                throw new SteeringException($"the hook point '{point.Name}' belongs to another model");
            if (point.VectorShape.Count == 0)
                throw new SteeringException($"'{point.Name}' {point.Info.DimsText} is not per-position; its activations cannot be collected per token");
        }

        // Similar lengths share a batch, so little is padded; results go back to prompt order.
        var order = Enumerable.Range(0, prompts.Count).OrderBy(i => prompts[i].Ids.Count).ToArray();
        var rows = distinct.ToDictionary(p => p.Name, _ => new Tensor[prompts.Count]);
        try
        {
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var batch = order.Skip(start).Take(options.BatchSize).ToArray();
                RunBatch(model, batch.Select(i => prompts[i]).ToList(), distinct, reduction, options, (name, row, value) => rows[name][batch[row]] = value);
                options.Progress?.Report(new CollectionProgress(Math.Min(start + batch.Length, order.Length), order.Length));
            }
            using var scope = NewDisposeScope();
            var stacked = distinct.ToDictionary(p => p.Name, p => stack(rows[p.Name]).DetachFromDisposeScope(), StringComparer.Ordinal);
            return new CollectedActivations(stacked);
        }
        finally
        {
            foreach (var tensor in rows.Values.SelectMany(r => r).Where(t => t is not null)) tensor.Dispose();
        }
    }

    /// <summary>Tokenizes <paramref name="prompts"/> with the model's tokenizer and collects as <see cref="Collect(HookedTransformer, IReadOnlyList{TokenizedPrompt}, IReadOnlyList{HookPoint}, TokenReduction, CollectionOptions?)"/>.</summary>
    public static CollectedActivations Collect(HookedTransformer model, IReadOnlyList<PromptInput> prompts,
        IReadOnlyList<HookPoint> points, TokenReduction reduction, CollectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        return Collect(model, prompts.Select(p => p.Tokenize(model.Tokenizer)).ToList(), points, reduction, options);
    }

    private static void RunBatch(HookedTransformer model, List<TokenizedPrompt> batch, IReadOnlyList<HookPoint> points,
        TokenReduction reduction, CollectionOptions options, Action<string, int, Tensor> keep)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask) = TokenBatch.LeftPad(batch.Select(p => p.Ids).ToList(), model.SpecialTokens.PaddingId, model.Device);
        var weights = Weights(batch, (int)ids.shape[1], reduction);
        using var hooks = model.Hooks.CreateScope();
        foreach (var point in points)
        {
            hooks.Add(point, (x, _) =>
            {
                // [batch, pos, features] · [batch, pos] weights, summed over positions; padding (weight 0) is never read,
                // so whatever a padded position holds cannot leak in (0 × NaN would).
                var flat = x.flatten(2).to(ScalarType.Float64);
                var w = weights.to(flat.device);
                var picked = where(w.ne(0).unsqueeze(-1), flat * w.unsqueeze(-1), zeros_like(flat)).sum(1);
                var shaped = picked.view(new[] { (long)batch.Count }.Concat(point.VectorShape.Select(s => (long)s)).ToArray());
                var result = shaped.to(options.DType, options.Device ?? CPU);
                for (var row = 0; row < batch.Count; row++) keep(point.Name, row, result[row].clone().DetachFromDisposeScope());
                return null;
            });
        }
        model.Forward(ids, mask, null, lastPositionLogits: true);
    }

    private static Tensor Weights(List<TokenizedPrompt> batch, int columns, TokenReduction reduction)
    {
        var weights = new double[batch.Count * columns];
        for (var row = 0; row < batch.Count; row++)
            foreach (var (column, weight) in reduction.Weights(batch[row], columns))
                weights[row * columns + column] += weight;
        return tensor(weights, new long[] { batch.Count, columns }, ScalarType.Float64);
    }
}

/// <summary>How <see cref="ActivationCollector"/> runs and where it puts results.</summary>
public sealed record CollectionOptions
{
    /// <summary>Prompts per forward pass (default 8).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>The dtype of the results (default float32; reductions are summed in float64 first).</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Where the results live (default the CPU).</summary>
    public Device? Device { get; init; }

    /// <summary>Told after each batch how many prompts are done.</summary>
    public IProgress<CollectionProgress>? Progress { get; init; }
}

/// <summary>Progress of a collection: <paramref name="Done"/> of <paramref name="Total"/> prompts run.</summary>
/// <param name="Done">Prompts run so far.</param>
/// <param name="Total">All prompts.</param>
public readonly record struct CollectionProgress(int Done, int Total);

/// <summary>Reduced activations by hook name: [prompts, ...vector shape] each, owned by this object.</summary>
public sealed class CollectedActivations : IDisposable
{
    private readonly Dictionary<string, Tensor> _byPoint;

    internal CollectedActivations(Dictionary<string, Tensor> byPoint) => _byPoint = byPoint;

    /// <summary>The canonical names of the points collected.</summary>
    public IReadOnlyCollection<string> Points => _byPoint.Keys;

    /// <summary>The activations at <paramref name="hook"/> (canonical name or alias): [prompts, ...vector shape].</summary>
    /// <exception cref="SteeringException">Nothing was collected there.</exception>
    public Tensor this[[HookName] string hook] =>
        _byPoint.TryGetValue(Schema.HookNames.Canonicalize(hook), out var value) ? value
        : throw new SteeringException($"nothing was collected at '{hook}'; collected: {string.Join(", ", _byPoint.Keys)}");

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var tensor in _byPoint.Values) tensor.Dispose();
        _byPoint.Clear();
    }
}
