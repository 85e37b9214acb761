using Steering.Editing;
using Steering.Hooks;
using Steering.Models.Gpt2;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Editing;

/// <summary>
/// Each editor on small tensors against values computed by hand: a width-4 model's point, a batch of one sequence of
/// three positions (the first is left padding), run through the per-row steering exactly as a forward pass runs it.
/// </summary>
public sealed class EditorTests : TinyModelTest
{
    private const string Point = "blocks.0.resid_post";
    public EditorTests() : base(Gpt2Model.CreateRandom(TinyGpt2.Config(layers: 1, width: 4, heads: 2), 1))
    {
    }

    private static Tensor Row(params float[] values) => tensor(values);

    /// <summary>[1, 3, 4]: padding (filled with 9s), then x1 and x2.</summary>
    private static Tensor Activation(float[] x1, float[] x2) =>
        stack([full(4, 9f), tensor(x1), tensor(x2)]).unsqueeze(0);

    private static ForwardPass Pass(long[] positions, bool[] padding, long[] tokens) =>
        new(tensor(positions).view(1, -1), tensor(padding).view(1, -1), ForwardPhase.Prefill, 0, tensor(tokens).view(1, -1));

    private static ForwardPass Prompt => Pass([0, 0, 1], [true, false, false], [0, 11, 22]);

    private Tensor Run(SteeringSpec spec, Tensor x, ForwardPass? pass = null, SteeringSession? session = null) =>
        new RowSteering(Model.Hooks, [session ?? new SteeringSession(spec, Model.Hooks)]).Run(Model.Hooks[Point], x, pass ?? Prompt);

    private static void Expect(Tensor actual, float[] x1, float[] x2, double tolerance = 1e-6)
    {
        TensorAssert.Equal(full(4, 9f), actual[0, 0]); // padding is never edited
        TensorAssert.Close(tensor(x1), actual[0, 1], tolerance);
        TensorAssert.Close(tensor(x2), actual[0, 2], tolerance);
    }

    [Fact]
    public void Add_scales_as_given_as_a_unit_or_relative_to_the_mean_norm()
    {
        var x = Activation([3, 4, 0, 0], [0, 0, 1, 0]);
        Expect(Run(SteeringSpec.Empty.Add(Point, Row(1, 0, 0, 0), 2), x), [5, 4, 0, 0], [2, 0, 1, 0]);
        var unit = new AddOptions { Scaling = VectorScaling.Unit };
        Expect(Run(SteeringSpec.Empty.Add(Point, Row(2, 0, 0, 0), 3, unit), x), [6, 4, 0, 0], [3, 0, 1, 0]);
        var relative = new AddOptions { Scaling = VectorScaling.MeanActivationNorm, MeanActivationNorm = 10 };
        Expect(Run(SteeringSpec.Empty.Add(Point, Row(0, 2, 0, 0), 0.5, relative), x), [3, 9, 0, 0], [0, 5, 1, 0]);
    }

    [Fact]
    public void Norm_preserving_add_rescales_to_the_original_norm()
    {
        // [3,4,0,0] + [0,0,5,0] = [3,4,5,0], |.| = √50, rescaled to 5: [3,4,5,0]/√2. [0,0,1,0] + [0,0,5,0] → [0,0,6,0] → [0,0,1,0].
        var x = Activation([3, 4, 0, 0], [0, 0, 1, 0]);
        var spec = SteeringSpec.Empty.Add(Point, Row(0, 0, 5, 0), 1, new AddOptions { PreserveNorm = true });
        var r = 1 / System.MathF.Sqrt(2);
        Expect(Run(spec, x), [3 * r, 4 * r, 5 * r, 0], [0, 0, 1, 0]);
    }

    [Fact]
    public void Ablation_removes_the_component_along_the_direction()
    {
        // d̂ = [1,1,0,0]/√2: [3,4,0,0] − 3.5·[1,1,0,0] = [−0.5, 0.5, 0, 0]; [0,0,1,0] has none.
        var x = Activation([3, 4, 0, 0], [0, 0, 1, 0]);
        Expect(Run(SteeringSpec.Empty.Ablate(Point, Row(1, 1, 0, 0)), x), [-0.5f, 0.5f, 0, 0], [0, 0, 1, 0]);
    }

    [Fact]
    public void Clamping_bounds_the_projection_and_keeps_the_orthogonal_part()
    {
        var x = Activation([3, 4, 0, 0], [-2, 1, 0, 0]);
        var e0 = Row(1, 0, 0, 0);
        Expect(Run(SteeringSpec.Empty.Clamp(Point, e0, null, 1), x), [1, 4, 0, 0], [-2, 1, 0, 0]);
        Expect(Run(SteeringSpec.Empty.Clamp(Point, e0, -1, 1), x), [1, 4, 0, 0], [-1, 1, 0, 0]);
        Expect(Run(SteeringSpec.Empty.ClampTo(Point, e0, 7), x), [7, 4, 0, 0], [7, 1, 0, 0]);
        // d̂ = [0.6, 0.8]: x1·d̂ = 5 → 1: x1 − 4·[0.6, 0.8] = [0.6, 0.8]; x2·d̂ = −0.4 stays.
        Expect(Run(SteeringSpec.Empty.Clamp(Point, Row(3, 4, 0, 0), null, 1), x), [0.6f, 0.8f, 0, 0], [-2, 1, 0, 0], 1e-5);
    }

    [Fact]
    public void Positions_select_first_last_slices_tokens_prompt_and_generated()
    {
        var x = Activation([0, 0, 0, 0], [0, 0, 0, 0]);
        var v = Row(1, 2, 3, 4);
        SteeringSpec At(PositionSelector positions) => SteeringSpec.Empty.Add(Point, v, 1, new AddOptions { Positions = positions });
        float[] none = [0, 0, 0, 0], added = [1, 2, 3, 4];
        Expect(Run(At(PositionSelector.First(1)), x), added, none);
        Expect(Run(At(PositionSelector.Last(1)), x), none, added);
        Expect(Run(At(PositionSelector.Slice(1)), x), none, added);
        Expect(Run(At(PositionSelector.Slice(0, 1)), x), added, none);
        Expect(Run(At(PositionSelector.Tokens([22, 5])), x), none, added);
        Expect(Run(At(PositionSelector.Where(c => c.TokenIds.eq(11))), x), added, none);
        Expect(Run(At(PositionSelector.Prompt.And(PositionSelector.First(1))), x), added, none);

        // A session's first pass is its prompt (positions 0-1); a later pass at position 2 is generated.
        var generated = At(PositionSelector.Generated);
        var session = new SteeringSession(generated, Model.Hooks);
        Expect(Run(generated, x, Prompt, session), none, none);
        var decode = new ForwardPass(tensor(new long[] { 2 }).view(1, 1), tensor(new[] { false }).view(1, 1), ForwardPhase.Decode, 3, tensor(new long[] { 33 }).view(1, 1));
        var rows = new RowSteering(Model.Hooks, [session]);
        TensorAssert.Equal(tensor(added).view(1, 1, 4), rows.Run(Model.Hooks[Point], zeros(1, 1, 4), decode));
        Assert.Equal(2, session.PromptLength);
    }

    [Fact]
    public void Patching_replays_a_recorded_activation_at_the_same_positions()
    {
        var x = Activation([1, 1, 1, 1], [2, 2, 2, 2]);
        var source = tensor(new float[] { 10, 11, 12, 13, 20, 21, 22, 23 }).view(1, 2, 4); // positions 0 and 1 of another run
        Expect(Run(SteeringSpec.Empty.Patch(Point, source), x), [10, 11, 12, 13], [20, 21, 22, 23]);
        Expect(Run(SteeringSpec.Empty.Patch(Point, source[0], PositionSelector.Last(1)), x), [1, 1, 1, 1], [20, 21, 22, 23]);
        var shorter = source[.., ..1];
        Expect(Run(SteeringSpec.Empty.Patch(Point, shorter), x), [10, 11, 12, 13], [2, 2, 2, 2]); // beyond the source: left alone
    }

    [Fact]
    public void Custom_edits_apply_at_the_selected_positions_and_edits_compose_in_order()
    {
        var x = Activation([1, 2, 3, 4], [1, 1, 1, 1]);
        var spec = SteeringSpec.Empty
            .Custom(Point, (a, _) => a * 2, PositionSelector.Tokens([22]))
            .Add(Point, Row(1, 0, 0, 0), -1);
        Expect(Run(spec, x), [0, 2, 3, 4], [1, 2, 2, 2]);
        Expect(Run(SteeringSpec.Empty.Custom(Point, (_, _) => null), x), [1, 2, 3, 4], [1, 1, 1, 1]);
    }

    [Fact]
    public void Cast_decides_per_row_on_the_prompt_and_remembers_it()
    {
        // Row 0's prompt mean is [1,0,0,0] (cosine 1 with the condition), row 1's is [0,1,0,0] (cosine 0).
        var condition = Row(1, 0, 0, 0);
        var spec = SteeringSpec.Empty.Add(Point, Row(0, 0, 0, 5), 1).When(Point, condition, 0.5);
        var sessions = new[] { new SteeringSession(spec, Model.Hooks), new SteeringSession(spec, Model.Hooks) };
        var rows = new RowSteering(Model.Hooks, sessions);
        var x = stack([stack([tensor(new float[] { 1, 0, 0, 0 }), tensor(new float[] { 1, 0, 0, 0 })]), stack([tensor(new float[] { 0, 1, 0, 0 }), tensor(new float[] { 0, 1, 0, 0 })])]);
        var prompt = new ForwardPass(tensor(new long[] { 0, 1, 0, 1 }).view(2, 2), zeros(2, 2, ScalarType.Bool), ForwardPhase.Prefill, 0, zeros(2, 2, ScalarType.Int64));
        var steered = rows.Run(Model.Hooks[Point], x, prompt);
        TensorAssert.Equal(x[0] + tensor(new float[] { 0, 0, 0, 5 }), steered[0]);
        TensorAssert.Equal(x[1], steered[1]);

        // A decode step whose activation no longer matches: the prompt's decision stands.
        var decode = new ForwardPass(tensor(new long[] { 2, 2 }).view(2, 1), zeros(2, 1, ScalarType.Bool), ForwardPhase.Decode, 2, zeros(2, 1, ScalarType.Int64));
        var step = rows.Run(Model.Hooks[Point], zeros(2, 1, 4), decode);
        TensorAssert.Equal(tensor(new float[] { 0, 0, 0, 5, 0, 0, 0, 0 }).view(2, 1, 4), step);
    }
}
