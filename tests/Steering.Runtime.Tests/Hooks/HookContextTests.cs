using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using Steering.Hooks;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Hooks;

/// <summary>
/// A hook is told each position's absolute index, padding and phase — also under KV-cached decoding, where the
/// Python libraries show every step as position 0 of a length-1 sequence.
/// </summary>
public sealed class HookContextTests
{
    private sealed record Seen(ForwardPhase Phase, long[] Positions, bool[] Padding);

    [Fact]
    public void Positions_stay_absolute_under_cached_decoding_and_padding_is_flagged()
    {
        using var model = TinyGpt2.Create();
        var seen = new List<Seen>();
        using var hook = model.Hook("blocks.1.resid_post", (x, ctx) =>
        {
            seen.Add(new Seen(ctx.Phase, TensorAssert.Longs(ctx.Positions), ctx.IsPadding.cpu().data<bool>().ToArray()));
            return null;
        });
        int[] shortPrompt = { 464, 3290 }, longPrompt = { 40, 892, 6844, 389 };
        model.Generate(new[] { shortPrompt, longPrompt }, new GenerationOptions { MaxNewTokens = 3, StopTokens = System.Array.Empty<int>() });

        Assert.Equal(3, seen.Count);
        Assert.Equal(ForwardPhase.Prefill, seen[0].Phase);
        Assert.Equal(new long[] { 0, 0, 0, 1, 0, 1, 2, 3 }, seen[0].Positions);
        Assert.Equal(new[] { true, true, false, false, false, false, false, false }, seen[0].Padding);
        Assert.Equal(ForwardPhase.Decode, seen[1].Phase);
        Assert.Equal(new long[] { 2, 4 }, seen[1].Positions);
        Assert.Equal(new long[] { 3, 5 }, seen[2].Positions);
        Assert.All(seen.Skip(1), s => Assert.All(s.Padding, p => Assert.False(p)));
    }

    [Fact]
    public void An_edit_on_the_first_two_positions_stays_there_while_generating()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        var v = ones(model.Dimensions.DModel) * 3;
        var touched = new List<long[]>();
        using var edit = model.Hooks.CreateScope()
            .AddVector("blocks.0.resid_pre", v, positions: PositionSelector.Where(ctx => ctx.Positions.lt(2)))
            .Add("blocks.0.resid_pre", (x, ctx) =>
            {
                // The edit ran before this hook: it changed exactly the positions whose absolute index is < 2.
                touched.Add(TensorAssert.Longs(ctx.Positions.masked_select(ctx.Positions.lt(2))));
                return null;
            });
        model.Generate(new[] { new[] { 40, 892, 6844 } }, new GenerationOptions { MaxNewTokens = 3, StopTokens = System.Array.Empty<int>() });
        Assert.Equal(new long[] { 0, 1 }, touched[0]);
        Assert.All(touched.Skip(1), t => Assert.Empty(t));
    }

    [Fact]
    public void Vector_addition_skips_padding_and_ablation_leaves_no_component()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        var v = randn(model.Dimensions.DModel, generator: new Generator(5));
        var (ids, mask) = TokenBatch.LeftPad(new[] { new[] { 464 }, new[] { 40, 892, 6844 } }, model.SpecialTokens.PaddingId, model.Device);

        Tensor Capture(System.Func<HookScope, HookScope> edit)
        {
            using var hooks = edit(model.Hooks.CreateScope());
            var cache = hooks.Cache("blocks.1.resid_mid");
            using (cache)
            {
                model.Forward(ids, mask);
                return cache["blocks.1.resid_mid"].clone();
            }
        }
        var plain = Capture(s => s);
        var added = Capture(s => s.AddVector("blocks.1.resid_mid", v, 2.0));
        TensorAssert.Close(plain[0, ..2], added[0, ..2], 0); // padding untouched
        TensorAssert.Close(plain[0, 2..] + 2 * v, added[0, 2..], 1e-5);
        TensorAssert.Close(plain[1] + 2 * v, added[1], 1e-5);

        var ablated = Capture(s => s.Ablate("blocks.1.resid_mid", v));
        var component = ablated.matmul(v / v.norm());
        Assert.True(component[0, 2..].abs().max().item<float>() < 1e-4);
        Assert.True(component[1].abs().max().item<float>() < 1e-4);
        TensorAssert.Equal(plain[0, ..2], ablated[0, ..2]); // padding untouched
    }

    [Fact]
    public void A_vector_of_the_wrong_shape_or_with_nan_fails_before_the_model_runs()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        using var hooks = model.Hooks.CreateScope();
        var wrong = Assert.Throws<SteeringException>(() => hooks.AddVector("blocks.0.resid_post", ones(31)));
        Assert.Contains("[31]", wrong.Message);
        Assert.Contains("[32]", wrong.Message);
        var nan = ones(32);
        nan[3] = tensor(float.NaN);
        Assert.Contains("NaN", Assert.Throws<SteeringException>(() => hooks.AddVector("blocks.0.resid_post", nan)).Message);
        Assert.Contains("floating point", Assert.Throws<SteeringException>(() => hooks.AddVector("blocks.0.resid_post", ones(32, ScalarType.Int64))).Message);
        Assert.Contains("not per-position", Assert.Throws<SteeringException>(() => hooks.AddVector("blocks.0.attn.pattern", ones(4))).Message);
        Assert.False(model.Hooks.AnyHooked);
    }
}
