using System.Linq;
using Steering.Generation;
using Steering.Schema;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>Exact invariants of the forward pass, hooks and the KV cache on a small random GPT-2 loaded from disk.</summary>
public sealed class Gpt2InvariantTests : IClassFixture<TinyGpt2Folder>
{
    private static readonly int[] Prompt = { 40, 892, 6844, 389 }; // "I think dogs are"
    private readonly HookedTransformer _model;

    public Gpt2InvariantTests(TinyGpt2Folder folder) => _model = HookedTransformer.Load(folder.Path);

    [Fact]
    public void Kv_cached_decoding_equals_full_recomputation()
    {
        using var scope = NewDisposeScope();
        var generated = _model.Generate(new[] { Prompt }, GenerationOptions.Greedy(8))[0];
        var all = Prompt.Concat(generated.NewIds).ToArray();

        // Recompute from scratch: each new token must be the argmax of the full pass at the position before it.
        var full = _model.Forward(_model.TokenTensor(all));
        var argmax = TensorAssert.Longs(full[0].argmax(-1));
        for (var i = 0; i < generated.NewIds.Count; i++)
            Assert.Equal(generated.NewIds[i], argmax[Prompt.Length - 1 + i]);

        // And the cached logits equal the full pass's, position by position.
        using var cache = _model.CreateCache();
        var prefill = _model.Forward(_model.TokenTensor(Prompt), cache: cache);
        TensorAssert.Close(full[.., ..Prompt.Length], prefill);
        for (var i = Prompt.Length; i < all.Length; i++)
        {
            var step = _model.Forward(_model.TokenTensor(new[] { all[i] }), cache: cache);
            TensorAssert.Close(full[.., i..(i + 1)], step);
        }
        Assert.Equal(all.Length, cache.Length);
    }

    [Fact]
    public void A_left_padded_row_equals_the_row_alone()
    {
        using var scope = NewDisposeScope();
        int[] shortPrompt = { 464, 3290 }, longPrompt = { 40, 892, 6844, 389, 257, 1049 };
        var (ids, mask) = TokenBatch.LeftPad(new[] { shortPrompt, longPrompt }, _model.SpecialTokens.PaddingId, _model.Device);
        var batched = _model.Forward(ids, mask);

        var alone = _model.Forward(_model.TokenTensor(shortPrompt));
        TensorAssert.Close(alone[0], batched[0, ^shortPrompt.Length..]);
        TensorAssert.Close(_model.Forward(_model.TokenTensor(longPrompt))[0], batched[1]);

        var together = _model.Generate(new[] { shortPrompt, longPrompt }, GenerationOptions.Greedy(6));
        Assert.Equal(_model.Generate(new[] { shortPrompt }, GenerationOptions.Greedy(6))[0].NewIds, together[0].NewIds);
        Assert.Equal(_model.Generate(new[] { longPrompt }, GenerationOptions.Greedy(6))[0].NewIds, together[1].NewIds);
    }

    [Fact]
    public void Identity_hooks_at_every_point_change_nothing()
    {
        using var scope = NewDisposeScope();
        var input = _model.TokenTensor(Prompt);
        var plain = _model.Forward(input);
        using (var hooks = _model.Hooks.CreateScope())
        {
            foreach (var point in _model.Hooks)
                hooks.Add(point, (x, _) => x.clone());
            // Hooking the pattern switches attention from the fused kernel to the explicit softmax: same numbers.
            TensorAssert.Close(plain, _model.Forward(input), 1e-5);
        }
        TensorAssert.Equal(plain, _model.Forward(input));
    }

    [Fact]
    public void Adding_at_attn_out_equals_adding_at_resid_mid()
    {
        using var scope = NewDisposeScope();
        var v = randn(_model.Dimensions.DModel, generator: new Generator(7));
        TensorAssert.Close(ForwardAdding("blocks.1.attn_out", v), ForwardAdding("blocks.1.resid_mid", v), 1e-5);
    }

    [Fact]
    public void Adding_at_resid_post_equals_adding_at_the_next_resid_pre()
    {
        using var scope = NewDisposeScope();
        var v = randn(_model.Dimensions.DModel, generator: new Generator(8));
        TensorAssert.Equal(ForwardAdding("blocks.0.resid_post", v), ForwardAdding("blocks.1.resid_pre", v));
        Assert.False(ForwardAdding("blocks.0.resid_post", v).allclose(_model.Forward(_model.TokenTensor(Prompt))), "the edit must change the output");
    }

    /// <summary>The logits of the prompt with <paramref name="v"/> added at every position of <paramref name="hookName"/>.</summary>
    private Tensor ForwardAdding(string hookName, Tensor v)
    {
        using var hook = _model.Hook(hookName, (x, _) => x + v);
        return _model.Forward(_model.TokenTensor(Prompt));
    }

    [Fact]
    public void Hook_points_have_the_shapes_the_schema_gives()
    {
        using var scope = NewDisposeScope();
        using var hooks = _model.Hooks.CreateScope();
        var seen = new System.Collections.Generic.Dictionary<string, long[]>();
        foreach (var point in _model.Hooks)
            hooks.Add(point, (x, ctx) => { seen[ctx.Name] = x.shape; return null; });
        _model.Forward(_model.TokenTensor(Prompt));

        var d = _model.Dimensions;
        Assert.Equal(_model.Hooks.Count, seen.Count);
        foreach (var point in _model.Hooks)
        {
            var expected = point.Info.Dims.Select(dim => dim switch
            {
                HookDims.Batch => 1L,
                HookDims.Pos or HookDims.QueryPos or HookDims.KeyPos => Prompt.Length,
                _ => (long)d.SizeOf(dim)!.Value,
            });
            Assert.Equal(expected, seen[point.Name]);
        }
    }
}
