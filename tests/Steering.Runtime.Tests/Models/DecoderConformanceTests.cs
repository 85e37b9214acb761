using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using Steering.Schema;
using Steering.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// Exact invariants every architecture keeps — the KV cache, padding, hooks and memory — run against a small random
/// checkpoint of each family, saved in Hugging Face layout and loaded from disk. A new family adds a fixture and a
/// one-line subclass at the end of this file.
/// </summary>
public abstract class DecoderConformanceTests<TFolder> : IClassFixture<TFolder> where TFolder : class, IModelFolder
{
    // Ids below 512, the tiny models' vocabulary; GPT-2's is larger.
    private static readonly int[] Prompt = { 40, 92, 68, 38, 257, 104, 7, 300 };
    private readonly TFolder _folder;
    private readonly HookedTransformer _model;

    protected DecoderConformanceTests(TFolder folder)
    {
        _folder = folder;
        _model = folder.Model;
    }

    [Fact]
    public void Kv_cached_decoding_equals_full_recomputation()
    {
        using var scope = NewDisposeScope();
        var generated = _model.Generate(new[] { Prompt }, new GenerationOptions { MaxNewTokens = 8, StopTokens = System.Array.Empty<int>() })[0];
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
    public void A_pass_that_fails_leaves_the_kv_cache_as_it_was()
    {
        using var scope = NewDisposeScope();
        var full = _model.Forward(_model.TokenTensor(Prompt));
        using var cache = _model.CreateCache();
        _model.Forward(_model.TokenTensor(Prompt[..4]), cache: cache);
        _model.Forward(_model.TokenTensor(Prompt[4..5]), cache: cache);
        // Each fails in the last block, after the blocks before it wrote their keys and values: 2 positions fit in the
        // room the cache grew for the 5th; 40 do not, so the cache had to grow during the pass.
        var lastBlock = _model.Hooks[$"blocks.{_model.Dimensions.NLayers - 1}.resid_pre"];
        foreach (var failing in new[] { new[] { 1, 2 }, Enumerable.Repeat(5, 40).ToArray() })
        {
            using (_model.Hooks.CreateScope().Add(lastBlock, (_, _) => throw new InvalidOperationException("the hook fails")))
                Assert.ThrowsAny<Exception>(() => _model.Forward(_model.TokenTensor(failing), cache: cache));
            Assert.Equal(5, cache.Length);
        }
        for (var i = 5; i < Prompt.Length; i++)
            TensorAssert.Close(full[.., i..(i + 1)], _model.Forward(_model.TokenTensor(new[] { Prompt[i] }), cache: cache));
    }

    [Fact]
    public void Generation_computes_the_logits_the_forward_pass_does_at_the_last_position()
    {
        // Generation asks for the last position's logits only; the tokens it picks are the full pass's argmax there,
        // and hooks still see every position of the prompt.
        using var scope = NewDisposeScope();
        var positionsSeen = new List<long>();
        using (_model.Hooks.CreateScope().Add(_model.Hooks["ln_final.hook_normalized"], (activation, _) =>
        {
            positionsSeen.Add(activation.shape[1]);
            return null;
        }))
        {
            var generated = _model.Generate(new[] { Prompt }, new GenerationOptions { MaxNewTokens = 1, StopTokens = System.Array.Empty<int>() })[0];
            var full = _model.Forward(_model.TokenTensor(Prompt));
            Assert.Equal(TensorAssert.Longs(full[0, -1].argmax(-1).unsqueeze(0))[0], generated.NewIds[0]);
        }
        Assert.Equal(new long[] { Prompt.Length, Prompt.Length }, positionsSeen);
    }

    [Fact]
    public void A_left_padded_row_equals_the_row_alone()
    {
        using var scope = NewDisposeScope();
        int[] shortPrompt = { 64, 29 }, longPrompt = Prompt;
        var (ids, mask) = TokenBatch.LeftPad(new[] { shortPrompt, longPrompt }, _model.SpecialTokens.PaddingId, _model.Device);
        var batched = _model.Forward(ids, mask);

        var alone = _model.Forward(_model.TokenTensor(shortPrompt));
        TensorAssert.Close(alone[0], batched[0, ^shortPrompt.Length..]);
        TensorAssert.Close(_model.Forward(_model.TokenTensor(longPrompt))[0], batched[1]);

        var options = new GenerationOptions { MaxNewTokens = 6, StopTokens = System.Array.Empty<int>() };
        var together = _model.Generate(new[] { shortPrompt, longPrompt }, options);
        Assert.Equal(_model.Generate(new[] { shortPrompt }, options)[0].NewIds, together[0].NewIds);
        Assert.Equal(_model.Generate(new[] { longPrompt }, options)[0].NewIds, together[1].NewIds);
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
    public void Kv_cached_decode_steps_with_identity_hooks_at_every_point_change_nothing()
    {
        // Unhooked, a decode step's attention runs in one kernel call (rotary, grouped heads, window and soft cap
        // included); a hook on q, k, v, the rotated q/k, the scores or the pattern takes libtorch's operations instead.
        // Both must compute the same logits, for a batch with a left-padded row too.
        using var scope = NewDisposeScope();
        var plain = DecodeSteps();
        using (var hooks = _model.Hooks.CreateScope())
        {
            foreach (var point in _model.Hooks)
                hooks.Add(point, (x, _) => x.clone());
            var hooked = DecodeSteps();
            for (var i = 0; i < plain.Length; i++) TensorAssert.Close(plain[i], hooked[i], 1e-5);
        }
    }

    /// <summary>The logits of three KV-cached decode steps after a left-padded batch of two prompts.</summary>
    private Tensor[] DecodeSteps()
    {
        var (ids, mask) = TokenBatch.LeftPad(new[] { Prompt[..3], Prompt[..6] }, _model.SpecialTokens.PaddingId, _model.Device);
        using var cache = _model.CreateCache();
        _model.Forward(ids, mask, cache: cache);
        return Enumerable.Range(5, 3).Select(i => _model.Forward(_model.TokenTensor(new[] { Prompt[i - 5], Prompt[i] }).view(2, 1), cache: cache)).ToArray();
    }

    [Fact]
    public void Every_point_fires_once_with_the_shape_the_schema_gives()
    {
        using var scope = NewDisposeScope();
        using var hooks = _model.Hooks.CreateScope();
        var seen = new Dictionary<string, List<long[]>>();
        foreach (var point in _model.Hooks)
            hooks.Add(point, (x, ctx) =>
            {
                if (!seen.TryGetValue(ctx.Name, out var shapes)) seen[ctx.Name] = shapes = new List<long[]>();
                shapes.Add(x.shape);
                return null;
            });
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
            Assert.Equal(expected, Assert.Single(seen[point.Name]));
        }
    }

    [Fact]
    public void The_residual_stream_is_the_sum_of_the_sublayer_outputs_exactly()
    {
        using var scope = NewDisposeScope();
        var names = Enumerable.Range(0, _model.Dimensions.NLayers).SelectMany(layer => new[]
        {
            HookNames.Block(layer, HookSites.ResidPre), HookNames.Block(layer, HookSites.AttnOut), HookNames.Block(layer, HookSites.ResidMid),
            HookNames.Block(layer, HookSites.MlpOut), HookNames.Block(layer, HookSites.ResidPost),
        }).ToArray();
        using var hooks = _model.Hooks.CreateScope();
        using var cache = hooks.Cache(names);
        _model.Forward(_model.TokenTensor(Prompt));
        for (var layer = 0; layer < _model.Dimensions.NLayers; layer++)
        {
            Tensor At(string site) => cache[HookNames.Block(layer, site)];
            TensorAssert.Equal(At(HookSites.ResidPre) + At(HookSites.AttnOut), At(HookSites.ResidMid));
            TensorAssert.Equal(At(HookSites.ResidMid) + At(HookSites.MlpOut), At(HookSites.ResidPost));
            if (layer > 0) TensorAssert.Equal(cache[HookNames.Block(layer - 1, HookSites.ResidPost)], At(HookSites.ResidPre));
        }
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

    [Fact]
    public void Repeated_forwards_leave_no_live_tensors()
    {
        using var hooks = _model.Hooks.CreateScope().AddVector("blocks.0.resid_post", ones(_model.Dimensions.DModel));
        using var input = _model.TokenTensor(Prompt);
        using (var warmUp = _model.Forward(input)) { }
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            using var logits = _model.Forward(input);
        }
        _model.Generate(new[] { Prompt, Prompt[..3] }, new GenerationOptions { MaxNewTokens = 5, StopTokens = System.Array.Empty<int>() });
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void The_schema_from_config_json_alone_is_the_loaded_models()
    {
        var schema = HookedTransformer.ReadSchema(_folder.Path, _model.Schema.Name);
        Assert.Equal(_model.Schema, schema);
        Assert.Equal(_model.Layout.ModelType, schema.Architecture);
        Assert.Equal(_model.Layout.Rotary, schema.Find("blocks.0.attn.rot_q") is not null);
        Assert.Equal(_model.Layout.LearnedPositions, schema.Find("pos_embed") is not null);
        Assert.Equal(_model.Layout.GatedMlp, schema.Find("blocks.0.mlp.pre_linear") is not null);
        Assert.Equal(_model.Layout.ParameterCount, _model.ParameterCount);
    }

    [Fact]
    public void Saving_and_loading_again_gives_the_same_model()
    {
        using var scope = NewDisposeScope();
        using var copy = new TempDirectory();
        _model.Save(copy.Path);
        using var reloaded = HookedTransformer.Load(copy.Path, new ModelLoadOptions { Name = _model.Schema.Name });
        Assert.Equal(_model.Schema, reloaded.Schema);
        Assert.Equal(_model.SpecialTokens, reloaded.SpecialTokens);
        Assert.Empty(reloaded.LoadWarnings);
        TensorAssert.Equal(_model.Forward(_model.TokenTensor(Prompt)), reloaded.Forward(reloaded.TokenTensor(Prompt)));
    }

    /// <summary>The logits of the prompt with <paramref name="v"/> added at every position of <paramref name="hookName"/>.</summary>
    private Tensor ForwardAdding(string hookName, Tensor v)
    {
        using var hook = _model.Hook(hookName, (x, _) => x + v);
        return _model.Forward(_model.TokenTensor(Prompt));
    }
}

public sealed class Gpt2ConformanceTests(TinyGpt2Folder folder) : DecoderConformanceTests<TinyGpt2Folder>(folder);

public sealed class LlamaConformanceTests(TinyDecoderFolders.Llama folder) : DecoderConformanceTests<TinyDecoderFolders.Llama>(folder);

public sealed class TiedLlamaConformanceTests(TinyDecoderFolders.TiedLlamaWithBiases folder) : DecoderConformanceTests<TinyDecoderFolders.TiedLlamaWithBiases>(folder);

public sealed class MistralConformanceTests(TinyDecoderFolders.Mistral folder) : DecoderConformanceTests<TinyDecoderFolders.Mistral>(folder);

public sealed class Qwen2ConformanceTests(TinyDecoderFolders.Qwen2 folder) : DecoderConformanceTests<TinyDecoderFolders.Qwen2>(folder);

public sealed class Qwen3ConformanceTests(TinyDecoderFolders.Qwen3 folder) : DecoderConformanceTests<TinyDecoderFolders.Qwen3>(folder);

public sealed class Gemma2ConformanceTests(TinyDecoderFolders.Gemma2 folder) : DecoderConformanceTests<TinyDecoderFolders.Gemma2>(folder);

public sealed class Gemma3ConformanceTests(TinyDecoderFolders.Gemma3 folder) : DecoderConformanceTests<TinyDecoderFolders.Gemma3>(folder);
