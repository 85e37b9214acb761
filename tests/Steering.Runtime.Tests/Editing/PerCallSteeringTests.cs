using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Steering.Editing;
using Steering.Generation;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Editing;

/// <summary>
/// Per-call steering: a spec travels with its call, so concurrent calls on one model never see each other's edits,
/// per-row specs in one batch give each row what it gets alone, and a spec per call equals the same spec installed
/// model-wide by a scope.
/// </summary>
public sealed class PerCallSteeringTests
{
    private static readonly int[] Prompt = { 40, 892, 6844, 389 };
    private static readonly GenerationOptions Greedy = new() { MaxNewTokens = 10, StopTokens = [] };

    private static Tensor Vector(int width, int seed, float scale) => (randn(width, generator: new Generator((ulong)seed)) * scale).DetachFromDisposeScope();

    [Fact]
    public async Task Concurrent_calls_with_different_specs_each_get_what_they_get_alone()
    {
        using var model = TinyGpt2.Create();
        using var love = Vector(model.Dimensions.DModel, 3, 8);
        using var hate = Vector(model.Dimensions.DModel, 4, 8);
        var specs = new[]
        {
            SteeringSpec.Empty.Add("blocks.0.resid_post", love, 2),
            SteeringSpec.Empty.Add("blocks.1.resid_pre", hate, -3).Ablate("blocks.1.resid_post", love),
            null,
        };
        IReadOnlyList<int> Run(SteeringSpec? spec) => model.Generate([Prompt], Greedy with { Steering = spec })[0].NewIds;
        var alone = specs.Select(Run).ToList();
        Assert.Equal(3, alone.Select(ids => string.Join(",", ids)).Distinct().Count()); // the specs change the text

        using var start = new Barrier(specs.Length);
        var together = specs.Select(spec => Task.Run(() =>
        {
            start.SignalAndWait();
            return Enumerable.Range(0, 4).Select(_ => Run(spec)).ToList();
        })).ToArray();
        var results = await Task.WhenAll(together);
        for (var i = 0; i < specs.Length; i++)
            Assert.All(results[i], ids => Assert.Equal(alone[i], ids));
        Assert.False(model.Hooks.AnyHooked);
    }

    [Fact]
    public void Per_row_specs_in_one_batch_equal_each_row_alone_also_while_decoding()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        var v = Vector(model.Dimensions.DModel, 5, 6);
        var w = Vector(model.Dimensions.DModel, 6, 6);
        int[][] prompts = [[464, 3290], [40, 892, 6844, 389], [40, 892, 6844]];
        SteeringSpec?[] specs =
        [
            SteeringSpec.Empty.Add("blocks.0.resid_post", v, 2),
            null,
            SteeringSpec.Empty.Add("blocks.0.resid_post", w, -1.5).Clamp("blocks.1.resid_mid", v, -1, 1),
        ];
        var rows = new RowSteering(model.Hooks, specs.Select(s => s is null ? null : new SteeringSession(s, model.Hooks)).ToList());

        var (ids, mask) = TokenBatch.LeftPad(prompts, model.SpecialTokens.PaddingId, model.Device);
        using var cache = model.CreateCache();
        var batched = new List<Tensor> { model.Forward(ids, mask, cache, lastPositionLogits: true, rows) };
        var next = batched[0][.., -1].argmax(-1).unsqueeze(1);
        batched.Add(model.Forward(next, null, cache, lastPositionLogits: true, rows));

        for (var row = 0; row < prompts.Length; row++)
        {
            using var own = model.CreateCache();
            var first = model.Forward(model.TokenTensor(prompts[row]), null, own, specs[row]);
            var followed = model.Forward(next[row..(row + 1)], null, own, specs[row]); // every edit here is at all positions
            TensorAssert.Close(first[.., -1], batched[0][row], 2e-5);
            TensorAssert.Close(followed[.., -1], batched[1][row], 2e-5);
        }
        var unsteered = model.Forward(model.TokenTensor(prompts[0]));
        Assert.True((unsteered[.., -1] - batched[0][0]).abs().max().item<float>() > 1e-2, "row 0's steering must change its logits");
    }

    [Fact]
    public void Rows_adding_one_vector_with_their_own_coefficients_and_positions_equal_each_row_alone()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        var v = Vector(model.Dimensions.DModel, 10, 6);
        const string at = "blocks.0.resid_post";
        SteeringSpec Add(double coefficient, PositionSelector? positions = null, VectorScaling scaling = VectorScaling.AsGiven) =>
            SteeringSpec.Empty.Add(at, v, coefficient, new AddOptions { Positions = positions, Scaling = scaling });
        // One kind of edit (an addition of v) under every coefficient, position selector and CAST decision: one op.
        ExpectEachRowAsAlone(model,
        [
            Add(2), Add(-3), Add(0), null, Add(2), Add(1.5, PositionSelector.Generated), Add(-1, PositionSelector.First(2)),
            Add(4, PositionSelector.Last(1)), Add(3).When("blocks.0.resid_mid", v, -1), Add(3).When("blocks.0.resid_mid", v, 1),
        ]);
        // Rows under other kinds of edit too (an ablation, a unit-scaled addition, two additions): each kind on its own rows.
        ExpectEachRowAsAlone(model,
        [
            Add(2), SteeringSpec.Empty.Ablate(at, v), Add(-2, PositionSelector.Generated), null, Add(3, scaling: VectorScaling.Unit),
            Add(1).Then(Add(-4, PositionSelector.Prompt)), Add(2).Then(Add(0.5)), SteeringSpec.Empty.Ablate(at, v, PositionSelector.First(1)),
        ]);
    }

    /// <summary>A left-padded batch of prompts of several lengths, row r steered by <paramref name="specs"/>[r] (a session
    /// each), read and then two tokens decoded: every row's logits are what that row gets alone.</summary>
    private static void ExpectEachRowAsAlone(HookedTransformer model, SteeringSpec?[] specs)
    {
        int[][] shapes = [[464, 3290], [40, 892, 6844, 389], [40, 892, 6844]];
        var prompts = specs.Select((_, row) => shapes[row % shapes.Length]).ToArray();
        var rows = new RowSteering(model.Hooks, specs.Select(s => s is null ? null : new SteeringSession(s, model.Hooks)).ToList());
        var (ids, mask) = TokenBatch.LeftPad(prompts, model.SpecialTokens.PaddingId, model.Device);
        using var cache = model.CreateCache();
        var batched = new List<Tensor> { model.Forward(ids, mask, cache, lastPositionLogits: true, rows) };
        var steps = new List<Tensor>();
        for (var step = 0; step < 2; step++)
        {
            steps.Add(batched[^1][.., -1].argmax(-1).unsqueeze(1));
            batched.Add(model.Forward(steps[^1], null, cache, lastPositionLogits: true, rows));
        }
        Assert.True((batched[0][0] - batched[0][3]).abs().max().item<float>() > 1e-2, "row 0's steering must change its logits (row 3: same prompt)");
        for (var row = 0; row < specs.Length; row++)
        {
            using var own = model.CreateCache();
            var alone = new RowSteering(model.Hooks, [specs[row] is { } spec ? new SteeringSession(spec, model.Hooks) : null]);
            var logits = model.Forward(model.TokenTensor(prompts[row]), null, own, lastPositionLogits: true, alone);
            TensorAssert.Close(logits[0], batched[0][row], 2e-5);
            for (var step = 0; step < steps.Count; step++)
            {
                logits = model.Forward(steps[step][row..(row + 1)], null, own, lastPositionLogits: true, alone);
                TensorAssert.Close(logits[0], batched[step + 1][row], 2e-5);
            }
        }
    }

    [Fact]
    public void A_spec_per_call_equals_the_same_spec_installed_by_a_scope()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        var v = Vector(model.Dimensions.DModel, 7, 4);
        var spec = SteeringSpec.Empty
            .Add("blocks.0.resid_pre", v, 1.5, new AddOptions { Positions = PositionSelector.First(2) })
            .Ablate("blocks.1.resid_mid", v)
            .Add("blocks.1.mlp_out", v, 0.5, new AddOptions { Scaling = VectorScaling.Unit, PreserveNorm = true })
            .Add("blocks.1.resid_post", Vector(model.Dimensions.DModel, 8, 4), 3);
        var (ids, mask) = TokenBatch.LeftPad([[464, 3290], [40, 892, 6844, 389]], model.SpecialTokens.PaddingId, model.Device);

        var perCall = model.Forward(ids, mask, null, spec);
        Tensor scoped;
        using (spec.Apply(model)) scoped = model.Forward(ids, mask);
        TensorAssert.Equal(scoped, perCall);
        Assert.False(model.Hooks.AnyHooked);

        var perCallText = model.Generate([Prompt], Greedy with { Steering = spec })[0].NewIds;
        using (spec.Apply(model)) Assert.Equal(model.Generate([Prompt], Greedy)[0].NewIds, perCallText);
        Assert.NotEqual(model.Generate([Prompt], Greedy)[0].NewIds, perCallText);
    }

    [Fact]
    public void Specs_are_immutable_compose_in_order_and_compare_by_value()
    {
        using var scope = NewDisposeScope();
        var v = ones(32);
        var add = SteeringSpec.Empty.Add("embed", v, 2, new AddOptions { Positions = PositionSelector.First(2) });
        var ablate = SteeringSpec.Empty.Ablate("blocks.0.resid_post", v);
        var both = add.Then(ablate);
        Assert.Equal(1, add.Count);
        Assert.Equal(2, both.Count);
        Assert.Equal(["embed", "blocks.0.resid_post"], both.Targets.Select(t => t.Name));
        Assert.Equal(both, SteeringSpec.Combine(SteeringSpec.Empty.Add("embed", v, 2, new AddOptions { Positions = PositionSelector.First(2) }), ablate));
        Assert.Equal(both.GetHashCode(), SteeringSpec.Combine(add, SteeringSpec.Empty, ablate).GetHashCode());
        Assert.NotEqual(both, ablate.Then(add));
        Assert.NotEqual(add, SteeringSpec.Empty.Add("embed", v, 3, new AddOptions { Positions = PositionSelector.First(2) }));
        Assert.NotEqual(add, SteeringSpec.Empty.Add("embed", ones(32), 2, new AddOptions { Positions = PositionSelector.First(2) }));
        Assert.Equal(both.When("embed", v, 0.5), both.When("embed", v, 0.5));
        Assert.NotEqual(both, both.When("embed", v, 0.5));
        Assert.True(SteeringSpec.Empty.IsEmpty && SteeringSpec.Combine().IsEmpty);
    }

    [Fact]
    public void Rows_may_join_and_leave_between_passes_and_each_session_keeps_its_state()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        var v = Vector(model.Dimensions.DModel, 9, 6);
        var spec = SteeringSpec.Empty.Add("blocks.0.resid_post", v, 2, new AddOptions { Positions = PositionSelector.Generated })
            .Then(SteeringSpec.Empty.Add("blocks.1.resid_pre", v, -1).When("blocks.0.resid_mid", v, -1));
        int[] a = [464, 3290], b = [40, 892, 6844], c = [40, 892, 6844, 389, 13];
        int[] bLonger = [.. b, 11];

        // Pass 1 holds a and b; pass 2 (recomputed, no cache) holds b — now one token past its prompt — and c, which joins.
        Tensor Pass(int[][] prompts, params SteeringSession[] sessions)
        {
            var (ids, mask) = TokenBatch.LeftPad(prompts, model.SpecialTokens.PaddingId, model.Device);
            return model.Forward(ids, mask, null, lastPositionLogits: true, new RowSteering(model.Hooks, sessions));
        }
        SteeringSession Session() => new(spec, model.Hooks);
        var (sa, sb, sc) = (Session(), Session(), Session());
        Pass([a, b], sa, sb);
        var together = Pass([bLonger, c], sb, sc);

        var alone = Session();
        Pass([b], alone);
        TensorAssert.Close(Pass([bLonger], alone)[0], together[0], 2e-5);
        TensorAssert.Close(Pass([c], Session())[0], together[1], 2e-5);
        Assert.Equal(3, sb.PromptLength);
        Assert.Equal(5, sc.PromptLength);

        // The generated position of b was steered: a fresh session (all of bLonger its prompt) gives other logits.
        Assert.True((Pass([bLonger], Session())[0] - together[0]).abs().max().item<float>() > 1e-3);
    }
}
