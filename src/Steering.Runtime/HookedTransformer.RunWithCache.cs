using System;
using System.Linq;
using System.Collections.Generic;
using Steering.Generation;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering;

/// <summary>TransformerLens's <c>run_with_cache</c>: one forward pass that records activations.</summary>
public partial class HookedTransformer
{
    /// <summary>Runs <paramref name="text"/> once, recording the activations at <paramref name="targets"/>.</summary>
    /// <returns>The logits and the cache (the caller disposes both).</returns>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(string text, [HookName] params HookTarget[] targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        var (logits, cache) = RunWithCache(TokenTensor(Tokenizer.Encode(text)), null, targets.Select(Hooks.Resolve).ToList());
        return (logits.MoveToOuterDisposeScope(), cache);
    }

    /// <summary>Runs <paramref name="text"/> once, recording the activations at the points named <paramref name="names"/>.</summary>
    /// <returns>The logits and the cache (the caller disposes both).</returns>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(string text, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return RunWithCache(text, names.Select(name => (HookTarget)name).ToArray());
    }

    /// <summary>
    /// Runs a batch of prompts once, left-padded (TransformerLens's <c>run_with_cache(prompts, names_filter=...)</c>),
    /// recording every point whose canonical name <paramref name="namesFilter"/> accepts (every point when null).
    /// Activations are [batch, pos, …] with the padding on the left; the mask tells tokens from padding. For many
    /// prompts reduced to one vector each, use <see cref="Activations.ActivationCollector"/>.
    /// </summary>
    /// <returns>The logits [batch, pos, d_vocab], the cache, and the mask [batch, pos] (1 at tokens); the caller disposes them.</returns>
    /// <exception cref="SteeringException">No prompts, or an empty prompt.</exception>
    public (Tensor Logits, ActivationCache Cache, Tensor Mask) RunWithCache(IReadOnlyList<string> prompts, Func<string, bool>? namesFilter = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        using var scope = NewDisposeScope();
        var (ids, mask) = TokenBatch.LeftPad(prompts.Select(p => (IReadOnlyList<int>)Tokenizer.Encode(p)).ToList(), SpecialTokens.PaddingId, Device);
        var (logits, cache) = RunWithCache(ids, mask, namesFilter);
        return (logits.MoveToOuterDisposeScope(), cache, mask.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Runs token ids [batch, pos] (with <paramref name="attentionMask"/>, 1 at tokens and 0 at left padding) once,
    /// recording every point whose canonical name <paramref name="namesFilter"/> accepts (every point when null).
    /// </summary>
    /// <returns>The logits and the cache (the caller disposes both).</returns>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(Tensor inputIds, Tensor? attentionMask, Func<string, bool>? namesFilter = null) =>
        RunWithCache(inputIds, attentionMask, Hooks.Where(p => namesFilter?.Invoke(p.Name) ?? true).ToList());

    private (Tensor Logits, ActivationCache Cache) RunWithCache(Tensor inputIds, Tensor? attentionMask, List<HookPoint> points)
    {
        using var hooks = Hooks.CreateScope();
        var cache = hooks.Cache(points.Select(p => (HookTarget)p).ToArray());
        try
        {
            return (Forward(inputIds, attentionMask), cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }
}
