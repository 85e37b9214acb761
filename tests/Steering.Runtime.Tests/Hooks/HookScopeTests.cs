using System;
using System.Collections.Generic;
using Steering.Hooks;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Hooks;

public sealed class HookScopeTests : IDisposable
{
    private readonly HookedTransformer _model = TinyGpt2.Create();
    private readonly Tensor _input;

    public HookScopeTests() => _input = _model.TokenTensor(new[] { 40, 892, 6844, 389 }).DetachFromDisposeScope();

    public void Dispose()
    {
        _input.Dispose();
        _model.Dispose();
    }

    [Fact]
    public void Disposing_a_scope_removes_exactly_its_hooks_in_any_order_and_twice()
    {
        var outer = _model.Hook("blocks.0.resid_post", (x, _) => null);
        var inner = _model.Hooks.CreateScope().Add("blocks.0.resid_post", (x, _) => null).Add("blocks.1.mlp_out", (x, _) => null);
        Assert.True(_model.Hooks["blocks.0.resid_post"].IsHooked);

        outer.Dispose(); // out of order: the outer scope goes first
        Assert.True(_model.Hooks["blocks.0.resid_post"].IsHooked, "the inner scope's hook must stay");
        inner.Dispose();
        inner.Dispose();
        outer.Dispose();
        Assert.False(_model.Hooks.AnyHooked);
    }

    [Fact]
    public void An_exception_inside_a_using_block_removes_the_hooks()
    {
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var scope = _model.Hook("blocks.1.resid_pre", (x, _) => throw new InvalidOperationException("boom"));
            using var tensors = NewDisposeScope();
            _model.Forward(_input);
        });
        Assert.False(_model.Hooks.AnyHooked);
        using var after = NewDisposeScope();
        _model.Forward(_input); // the model still works
    }

    [Fact]
    public void Hooks_run_in_installation_order_across_nested_scopes()
    {
        var seen = new List<string>();
        Tensor? result = null;
        using (var outer = _model.Hook("blocks.0.resid_mid", (x, _) => { seen.Add("outer"); return x * 2; }))
        using (var inner = _model.Hook("blocks.0.resid_mid", (x, _) => { seen.Add("inner"); return x + 1; }))
        using (var reader = _model.Hook("blocks.0.resid_mid", (x, _) => { result = x.detach().clone().DetachFromDisposeScope(); return null; }))
        using (var cache = _model.Hooks.CreateScope())
        {
            var recorded = cache.Cache("blocks.0.resid_mid");
            using var tensors = NewDisposeScope();
            _model.Forward(_input);
            using (recorded)
            {
                Assert.Equal(new[] { "outer", "inner" }, seen);
                // The last hook sees 2x + 1 of what the first one saw; the cache, added last, sees the same.
                TensorAssert.Equal(result!, recorded["blocks.0.resid_mid"]);
            }
        }
        result!.Dispose();
        Assert.False(_model.Hooks.AnyHooked);
    }

    [Fact]
    public void A_replacement_of_the_wrong_shape_is_a_clear_error()
    {
        using var scope = _model.Hook("blocks.0.attn_out", (x, _) => x[.., ..1]);
        using var tensors = NewDisposeScope();
        var error = Assert.Throws<SteeringException>(() => _model.Forward(_input));
        Assert.Contains("blocks.0.attn_out", error.Message);
        Assert.Contains("[1, 1, 32]", error.Message);
    }

    [Fact]
    public void Unknown_names_fail_with_the_closest_valid_names()
    {
        var typo = Assert.Throws<UnknownHookPointException>(() => _model.Hook("blocks.1.resid_pst", (x, _) => null));
        Assert.Contains("did you mean 'blocks.1.resid_post'", typo.Message);
        Assert.Equal("blocks.1.resid_post", typo.Suggestions[0]);

        var layer = Assert.Throws<UnknownHookPointException>(() => _model.Hooks["blocks.12.resid_post"]);
        Assert.Contains("the model has 2 blocks (0 to 1)", layer.Message);
        Assert.Contains("'blocks.1.resid_post'", layer.Message);
        Assert.False(_model.Hooks.AnyHooked);
    }

    [Theory]
    [InlineData("blocks.1.hook_resid_post", "blocks.1.resid_post")]
    [InlineData("blocks.0.attn.hook_z", "blocks.0.attn.z")]
    [InlineData("blocks.0.attn.hook_attn_scores", "blocks.0.attn.scores")]
    [InlineData("blocks.0.ln1.hook_normalized", "blocks.0.ln1")]
    [InlineData("hook_embed", "embed")]
    [InlineData("ln_final.hook_normalized", "ln_final")]
    [InlineData("blocks.1.mlp.hook_post", "blocks.1.mlp.post")]
    public void TransformerLens_names_are_aliases(string alias, string canonical) =>
        Assert.Same(_model.Hooks[canonical], _model.Hooks[alias]);

    [Fact]
    public void A_cache_outlives_its_scope_and_the_forward_pass()
    {
        ActivationCache cache;
        using (var scope = _model.Hooks.CreateScope())
        {
            cache = scope.Cache("blocks.0.resid_post", "blocks.1.attn.hook_pattern");
            using var tensors = NewDisposeScope();
            _model.Forward(_input);
        }
        using (cache)
        {
            Assert.Equal(new long[] { 1, 4, 32 }, cache["blocks.0.resid_post"].shape);
            Assert.Equal(new long[] { 1, 4, 4, 4 }, cache["blocks.1.attn.pattern"].shape);
            // Each attention row is a distribution over the positions it may see.
            using var sums = cache["blocks.1.attn.pattern"].sum(-1);
            TensorAssert.Close(ones(1, 4, 4), sums, 1e-6);
            var missing = Assert.Throws<SteeringException>(() => cache["blocks.1.resid_post"]);
            Assert.Contains("recorded: blocks.0.resid_post", missing.Message);
        }
    }

    [Fact]
    public void Misusing_a_disposed_scope_is_an_error()
    {
        var scope = _model.Hooks.CreateScope();
        scope.Dispose();
        Assert.Throws<ObjectDisposedException>(() => scope.Add("embed", (x, _) => null));
    }
}
