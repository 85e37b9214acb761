using System.Collections.Generic;
using Steering.Editing;
using Steering.Hooks;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Hooks;

/// <summary>TransformerLens's run_with_hooks, reset_hooks and run_with_cache, and the one hook-target type.</summary>
public sealed class TransformerLensApiTests : TinyModelTest
{

    [Fact]
    public void Run_with_hooks_installs_the_hooks_for_one_pass_only()
    {
        var ids = Model.TokenTensor([40, 892, 6844]);
        var seen = new List<string>();
        HookFunction double_ = (x, _) => x * 2;
        HookFunction read = (x, c) => { seen.Add(c.Name); return null; };
        var withHooks = Model.RunWithHooks(ids, ("blocks.0.mlp_out", double_), (Model.Hooks["ln_final"], read));
        Tensor expected;
        using (Model.Hooks.CreateScope().Add("blocks.0.mlp_out", double_)) expected = Model.Forward(ids);
        TensorAssert.Equal(expected, withHooks);
        Assert.Equal(new[] { "ln_final" }, seen);
        Assert.False(Model.Hooks.AnyHooked);

        Assert.Throws<UnknownHookPointException>(() => Model.RunWithHooks(ids, ("embed", read), ("blocks.0.mlp_ot", read)));
        Assert.False(Model.Hooks.AnyHooked);
    }

    [Fact]
    public void Reset_removes_every_scope_and_frees_what_the_scopes_own()
    {
        var first = Model.Hooks.CreateScope();
        var second = Model.Hooks.CreateScope();
        var owned = first.Own(ones(Model.Dimensions.DModel).DetachFromDisposeScope());
        first.AddVector("blocks.0.resid_post", owned);
        second.Add("embed", (x, _) => null);
        var cache = second.Cache("blocks.1.resid_post");
        Model.Forward(Model.TokenTensor([40, 892]));

        Model.ResetHooks();
        Assert.False(Model.Hooks.AnyHooked);
        Assert.True(first.IsDisposed && second.IsDisposed);
        Assert.True(owned.IsInvalid);
        Assert.Equal(new long[] { 1, 2, 32 }, cache["blocks.1.resid_post"].shape); // caches stay valid
        cache.Dispose();
        first.Dispose(); // disposing after a reset is harmless
    }

    [Fact]
    public void Names_typed_points_and_points_resolve_to_the_same_point()
    {
        var point = Model.Hooks["blocks.1.resid_post"];
        var typed = new HookPointRef("blocks.1.resid_post", ["batch", "pos", "d_model"], [32]);
        Assert.Same(point, Model.Hooks.Resolve("blocks.1.hook_resid_post"));
        Assert.Same(point, Model.Hooks.Resolve(typed));
        Assert.Same(point, Model.Hooks.Resolve(point));
        var (_, cache) = Model.RunWithCache("I think", typed, "embed");
        using (cache) Assert.True(cache.Contains("blocks.1.resid_post") && cache.Contains("embed"));
    }
}
