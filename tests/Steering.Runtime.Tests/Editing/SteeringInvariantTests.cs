using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Editing;

/// <summary>
/// Editors on a real (tiny, random) model: the invariants each promises, CAST on whole prompts, and KV-cached
/// generation with per-call steering equal to recomputing every step from scratch.
/// </summary>
public sealed class SteeringInvariantTests : TinyModelTest
{
    private const string Point = "blocks.1.resid_mid";
    private readonly Tensor _ids;
    private readonly Tensor _mask;

    public SteeringInvariantTests() =>
        (_ids, _mask) = TokenBatch.LeftPad([[464, 3290], [40, 892, 6844, 389]], Model.SpecialTokens.PaddingId, Model.Device);

    private Tensor Vector(int seed, float scale = 1) => randn(Model.Dimensions.DModel, generator: new Generator((ulong)seed)) * scale;

    /// <summary>The activation at <see cref="Point"/> as the rest of the model sees it, steered by <paramref name="spec"/> for this call.</summary>
    private Tensor Seen(SteeringSpec? spec)
    {
        using var hooks = Model.Hooks.CreateScope();
        using var cache = hooks.Cache(Point); // scope hooks run after the call's edits
        Model.Forward(_ids, _mask, null, spec);
        return cache[Point].clone();
    }

    [Fact]
    public void Norm_preserving_addition_keeps_every_norm_and_leaves_padding_alone()
    {
        var plain = Seen(null);
        var steered = Seen(SteeringSpec.Empty.Add(Point, Vector(1), 5, new AddOptions { PreserveNorm = true }));
        TensorAssert.Close(plain.norm(-1), steered.norm(-1), 1e-4);
        TensorAssert.Equal(plain[0, ..2], steered[0, ..2]);
        Assert.True((plain[1] - steered[1]).abs().max().item<float>() > 0.1, "the direction must change");
    }

    [Fact]
    public void A_scope_keeps_its_own_copies_of_the_tensors_the_caller_disposes()
    {
        var vector = Vector(3);
        var direction = Vector(4);
        var expected = Seen(SteeringSpec.Empty.Ablate("blocks.0.resid_post", direction).Add(Point, vector, 2));
        using var hooks = Model.Hooks.CreateScope();
        using (var temporaryVector = vector.clone())
        using (var temporaryDirection = direction.clone())
            hooks.AddVector(Point, temporaryVector, 2).Ablate("blocks.0.resid_post", temporaryDirection);
        TensorAssert.Close(expected, Seen(null), 1e-6); // the cache's scope comes after these hooks: it sees their result
    }

    [Fact]
    public void Ablation_leaves_no_component_and_clamping_stays_within_bounds()
    {
        var d = Vector(2);
        var unit = d / d.norm();
        var ablated = Seen(SteeringSpec.Empty.Ablate(Point, d));
        Assert.True(ablated[1].matmul(unit).abs().max().item<float>() < 1e-5);

        var plain = Seen(null).matmul(unit);
        var clamped = Seen(SteeringSpec.Empty.Clamp(Point, d, -0.25, 0.25)).matmul(unit);
        Assert.True(clamped[1].abs().max().item<float>() <= 0.25 + 1e-5);
        TensorAssert.Close(plain[1].clamp(-0.25, 0.25), clamped[1], 1e-5);
        TensorAssert.Equal(plain[0, ..2], clamped[0, ..2]); // padding
    }

    [Fact]
    public void Cast_fires_only_on_prompts_that_match_the_condition()
    {
        int[] matching = [40, 892, 6844, 389], other = [464, 3290, 11, 257, 1110];
        const string conditionPoint = "blocks.0.resid_post";
        Tensor Mean(int[] prompt)
        {
            var (_, cache) = Model.RunWithCache(Model.Tokenizer.Decode(prompt), conditionPoint);
            using (cache) return cache[conditionPoint][0].mean([0]).clone();
        }
        var condition = Mean(matching); // cosine 1 with the matching prompt's mean
        var cosine = nn.functional.cosine_similarity(Mean(other), condition, 0).item<float>();
        Assert.True(cosine < 0.999, $"the prompts must differ at the condition point (cosine {cosine})");
        var threshold = (1 + cosine) / 2;

        var behaviour = SteeringSpec.Empty.Add("blocks.1.resid_post", Vector(3, 6), 3);
        var conditional = behaviour.When(conditionPoint, condition, threshold);
        var options = new GenerationOptions { MaxNewTokens = 8, StopTokens = [] };
        IReadOnlyList<int> Alone(int[] prompt, SteeringSpec? spec) => Model.Generate([prompt], options with { Steering = spec })[0].NewIds;

        var both = Model.Generate([matching, other], options with { Steering = conditional });
        Assert.Equal(Alone(matching, behaviour), both[0].NewIds);
        Assert.Equal(Alone(other, null), both[1].NewIds);
        Assert.NotEqual(Alone(matching, null), both[0].NewIds);
    }

    [Fact]
    public void Kv_cached_generation_with_per_call_steering_equals_recomputing_each_step()
    {
        var v = Vector(4, 4);
        var spec = SteeringSpec.Empty
            .Add("blocks.0.resid_pre", v, 2, new AddOptions { Positions = PositionSelector.First(3) })
            .Add("blocks.0.mlp_out", v, 1, new AddOptions { Positions = PositionSelector.Tokens([389, 13, 11]) })
            .Ablate("blocks.1.resid_pre", Vector(5))
            .Clamp("blocks.1.resid_post", v, -1, 1)
            .Add("blocks.1.resid_post", Vector(6, 3), 1, new AddOptions { PreserveNorm = true });
        int[] prompt = [40, 892, 6844, 389];
        var cached = Model.Generate([prompt], new GenerationOptions { MaxNewTokens = 8, StopTokens = [], Steering = spec })[0].NewIds;

        var sequence = prompt.ToList();
        for (var step = 0; step < 8; step++)
        {
            using var pass = NewDisposeScope();
            var logits = Model.Forward(Model.TokenTensor(sequence), null, null, spec);
            sequence.Add((int)logits[0, -1].argmax().item<long>());
        }
        Assert.Equal(sequence.Skip(prompt.Length), cached);
        Assert.NotEqual(Model.Generate([prompt], GenerationOptions.Greedy(8) with { StopTokens = [] })[0].NewIds, cached);
    }
}
