using Steering.Editing;
using Steering.Generation;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Editing;

/// <summary>Bad steering input fails with a one-line <see cref="SteeringException"/> before the model runs, and installs nothing.</summary>
public sealed class SteeringInputErrorTests : TinyModelTest
{

    private string Fails(SteeringSpec spec)
    {
        var error = Assert.ThrowsAny<SteeringException>(() => Model.Generate([[40, 892]], GenerationOptions.Greedy(2) with { Steering = spec }));
        Assert.ThrowsAny<SteeringException>(() => spec.Apply(Model));
        Assert.False(Model.Hooks.AnyHooked);
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }

    [Fact]
    public void A_vector_of_the_wrong_size_names_both_shapes_and_the_point()
    {
        var message = Fails(SteeringSpec.Empty.Add("blocks.0.resid_post", ones(31)));
        Assert.Contains("[31]", message);
        Assert.Contains("[32]", message);
        Assert.Contains("blocks.0.resid_post", message);
        Assert.Contains("not per-position", Fails(SteeringSpec.Empty.Ablate("blocks.0.attn.pattern", ones(4))));
        Assert.Contains("patch source", Fails(SteeringSpec.Empty.Patch("blocks.0.resid_post", ones(2, 3, 32))));
    }

    [Fact]
    public void Unknown_hooks_and_points_of_anotherModel_are_named()
    {
        Assert.Contains("did you mean 'blocks.1.resid_post'", Fails(SteeringSpec.Empty.Add("blocks.1.resid_pst", ones(32))));
        Assert.Contains("has 2 blocks", Fails(SteeringSpec.Empty.Add("blocks.7.resid_post", ones(32))));
        using var other = TinyGpt2.Create();
        Assert.Contains("another model", Fails(SteeringSpec.Empty.Add(other.Hooks["blocks.0.resid_post"], ones(32))));
        var typed = new HookPointRef("blocks.0.resid_post", ["batch", "pos", "d_model"], [48]);
        Assert.Contains("does not fit this model's", Fails(SteeringSpec.Empty.Add(typed, ones(48))));
        Assert.Contains("another model", Assert.Throws<SteeringException>(() => Model.Hooks.CreateScope().Add(other.Hooks["embed"], (x, _) => x)).Message);
    }

    [Fact]
    public void NaN_infinite_zero_and_integer_tensors_and_bad_numbers_fail_when_the_spec_is_made()
    {
        var nan = ones(32);
        nan[3] = tensor(float.NaN);
        Assert.Contains("NaN", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Add("embed", nan)).Message);
        Assert.Contains("NaN", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Patch("embed", full(1, 2, 32, float.PositiveInfinity))).Message);
        Assert.Contains("zero", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Ablate("embed", zeros(32))).Message);
        Assert.Contains("zero", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Clamp("embed", zeros(32), 0, 1)).Message);
        Assert.Contains("zero", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.When("embed", zeros(32), 0.5)).Message);
        Assert.Contains("zero", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Add("embed", zeros(32), 1, new AddOptions { Scaling = VectorScaling.Unit })).Message);
        Assert.Contains("floating point", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Add("embed", ones(32, ScalarType.Int64))).Message);
        Assert.Contains("coefficient", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Add("embed", ones(32), double.NaN)).Message);
        Assert.Contains("MeanActivationNorm", Assert.Throws<SteeringException>(() =>
            SteeringSpec.Empty.Add("embed", ones(32), 1, new AddOptions { Scaling = VectorScaling.MeanActivationNorm })).Message);
        Assert.Contains("above upper bound", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Clamp("embed", ones(32), 2, 1)).Message);
        Assert.Contains("needs a lower bound", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.Clamp("embed", ones(32), null, null)).Message);
        Assert.Contains("[-1, 1]", Assert.Throws<SteeringException>(() => SteeringSpec.Empty.When("embed", ones(32), 1.5)).Message);
    }

    [Fact]
    public void A_custom_edit_returning_another_shape_fails_with_the_point()
    {
        var spec = SteeringSpec.Empty.Custom("blocks.0.mlp_out", (x, _) => x[.., ..1]);
        var error = Assert.Throws<SteeringException>(() => Model.Forward(Model.TokenTensor([40, 892]), null, null, spec));
        Assert.Contains("blocks.0.mlp_out", error.Message);
    }
}
