using System;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Generation;

/// <summary>Chooses each sequence's next token from its last logits: argmax, or a seeded draw after temperature, top-k and top-p.</summary>
internal sealed class TokenSampler : IDisposable
{
    private readonly GenerationOptions _options;
    private readonly Generator? _generator;

    public TokenSampler(GenerationOptions options)
    {
        Validate(options);
        if (options.Sample) _generator = new Generator((ulong)options.Seed);
        _options = options;
    }

    /// <summary>True when tokens are drawn (seeded); false for greedy argmax.</summary>
    public bool Samples => _generator is not null;

    /// <exception cref="SteeringException">A setting is out of range.</exception>
    public static void Validate(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxNewTokens < 0) throw new SteeringException($"max new tokens is {options.MaxNewTokens}; it cannot be negative");
        if (!options.Sample) return;
        if (!(options.Temperature > 0) || double.IsInfinity(options.Temperature))
            throw new SteeringException($"temperature {options.Temperature} must be a positive number");
        if (options.TopK is <= 0) throw new SteeringException($"top-k {options.TopK} must be at least 1");
        if (options.TopP is not null && !(options.TopP > 0 && options.TopP <= 1))
            throw new SteeringException($"top-p {options.TopP} must be in (0, 1]");
    }

    /// <summary>[batch, 1, d_vocab] logits (one position per sequence) → each sequence's next token id.</summary>
    public long[] NextIds(Tensor logits) =>
        (_generator is null ? GreedyArgmax.TryCompute(logits) : null) ?? Next(logits[.., -1]).cpu().data<long>().ToArray();

    /// <summary>[batch, d_vocab] logits → [batch] int64 token ids.</summary>
    public Tensor Next(Tensor logits)
    {
        if (_generator is null) return logits.argmax(-1);
        var scores = logits.to(ScalarType.Float32) / _options.Temperature;
        if (_options.TopK is int k && k < scores.shape[^1])
        {
            var kth = scores.topk(k, -1).values[.., ^1..];
            scores = scores.masked_fill(scores.lt(kth), double.NegativeInfinity);
        }
        if (_options.TopP is double p && p < 1)
        {
            var (sorted, order) = scores.sort(-1, descending: true);
            var probabilities = sorted.softmax(-1);
            // Drop a token when the tokens above it already reach p; the most likely token always stays.
            var drop = (probabilities.cumsum(-1) - probabilities).gt(p);
            scores = scores.scatter(-1, order, sorted.masked_fill(drop, double.NegativeInfinity));
        }
        return scores.softmax(-1).multinomial(1, generator: _generator).squeeze(-1);
    }

    public void Dispose() => _generator?.Dispose();
}
