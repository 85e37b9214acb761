using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Export;
using Steering.Models.Gpt2;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Tests.Export;

/// <summary>A folded model, unhooked, computes what the original computes with the additions hooked in.</summary>
public sealed class WeightFoldingTests
{
    private static readonly long[] Ids = [464, 68, 586, 831, 45, 625, 262, 931, 290, 13];

    /// <summary>Two blocks, d_model 32, a 1,000-token vocabulary: folding does not care about the tokenizer.</summary>
    private static Gpt2Model Create(long seed) => Gpt2Model.CreateRandom(TinyGpt2.Config() with { VocabSize = 1000 }, seed);

    public static TheoryData<string> FoldablePoints() =>
    [
        "pos_embed", "blocks.0.resid_pre", "blocks.1.resid_pre", "blocks.0.ln1", "blocks.1.attn.q", "blocks.0.attn.k",
        "blocks.1.attn.v", "blocks.0.attn.z", "blocks.1.attn_out", "blocks.0.resid_mid", "blocks.1.ln2",
        "blocks.0.mlp.pre", "blocks.1.mlp.post", "blocks.0.mlp_out", "blocks.1.resid_post", "ln_final",
    ];

    [Theory]
    [MemberData(nameof(FoldablePoints))]
    public void An_addition_folds_exactly(string hook)
    {
        using var scope = NewDisposeScope();
        using var hooked = Create(seed: 3);
        using var folded = Create(seed: 3);
        var vector = randn(hooked.Hooks[hook].VectorShape.Select(s => (long)s).ToArray(), generator: new Generator(9));
        var addition = new SteeringAddition(hook, vector, 2.5);

        Tensor expected;
        using (hooked.Hooks.CreateScope().AddVector(hook, vector, 2.5)) expected = Logits(hooked);
        var before = Logits(folded);
        Assert.Null(WeightFolding.WhyNotFoldable(folded, hook));
        WeightFolding.Fold(folded, [addition]);

        TensorAssert.Close(expected, Logits(folded), 1e-5);
        var effect = (expected - before).abs().max().item<float>();
        // The same constant added to every key shifts each query's scores equally: the softmax cancels it.
        if (hook.EndsWith("attn.k", StringComparison.Ordinal)) Assert.True(effect < 1e-5, $"keys moved the logits by {effect}");
        else Assert.True(effect > 1e-2, "the addition should change the logits");
    }

    [Fact]
    public void Several_additions_fold_together_even_into_one_bias()
    {
        using var scope = NewDisposeScope();
        using var hooked = Create(seed: 4);
        using var folded = Create(seed: 4);
        List<SteeringAddition> additions =
        [
            new("blocks.0.resid_post", randn(32, generator: new Generator(1)), 1.0),
            new("blocks.1.resid_pre", randn(32, generator: new Generator(2)), -2.0), // the same tensor as blocks.0.resid_post
            new("blocks.0.mlp_out", randn(32, generator: new Generator(3)), 0.5),
            new("blocks.1.attn.z", randn(4, 8, generator: new Generator(4)), 1.0),
        ];
        Tensor expected;
        using (var hooks = hooked.Hooks.CreateScope())
        {
            foreach (var a in additions) hooks.AddVector(a.HookName, a.Vector, a.Coefficient);
            expected = Logits(hooked);
        }
        WeightFolding.Fold(folded, additions);
        TensorAssert.Close(expected, Logits(folded), 1e-5);
    }

    [Theory]
    [InlineData("embed", "tied to the output layer")]
    [InlineData("blocks.0.attn.scores", "not per-position")]
    public void Points_that_cannot_fold_are_refused_with_the_reason(string hook, string reason)
    {
        using var scope = NewDisposeScope();
        using var model = Create(seed: 1);
        var shape = model.Hooks[hook].VectorShape.Select(s => (long)s).ToArray();
        var error = Assert.Throws<SteeringException>(() => WeightFolding.Fold(model, [new(hook, ones(shape.Length == 0 ? [32] : shape))]));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_refused_batch_leaves_the_model_unchanged()
    {
        using var scope = NewDisposeScope();
        using var model = Create(seed: 5);
        var before = Logits(model);
        Assert.Throws<SteeringException>(() => WeightFolding.Fold(model,
            [new("blocks.0.attn_out", ones(32)), new("embed", ones(32))]));
        Assert.Throws<SteeringException>(() => WeightFolding.Fold(model,
            [new("blocks.0.attn_out", ones(32)), new("blocks.0.mlp_out", ones(31))]));
        TensorAssert.Equal(before, Logits(model));
        Assert.Contains("tied", WeightFolding.WhyNotFoldable(model, "hook_embed"));
    }

    [Theory]
    [InlineData("blocks.0.attn_out", "attention_bias")]
    [InlineData("blocks.1.mlp_out", "mlp_bias")]
    [InlineData("blocks.0.resid_post", "mlp_bias")]
    [InlineData("blocks.1.ln1", "attention_bias")]
    [InlineData("blocks.0.ln2", "mlp_bias")]
    public void A_plain_llama_folds_into_biases_its_config_turns_on(string hook, string flag)
    {
        using var scope = NewDisposeScope();
        using var model = HookedTransformer.CreateRandom(TinyDecoderFolders.LlamaConfig, seed: 6);
        Assert.False(model.Layout.OutputBias || model.Layout.MlpBias);
        var vector = randn(model.Hooks[hook].VectorShape.Select(s => (long)s).ToArray(), generator: new Generator(10));
        var before = Logits(model);
        Tensor expected;
        using (model.Hooks.CreateScope().AddVector(hook, vector, 1.5)) expected = Logits(model);
        Assert.Contains($"{flag} is false", WeightFolding.WhyNotFoldable(model, hook));

        using var folded = WeightFolding.Folded(model, [new SteeringAddition(hook, vector, 1.5)]);

        TensorAssert.Close(expected, Logits(folded), 1e-5);
        TensorAssert.Equal(before, Logits(model));
        Assert.True((expected - before).abs().max().item<float>() > 1e-2, "the addition should change the logits");
        Assert.True(flag == "mlp_bias" ? folded.Layout.MlpBias : folded.Layout.QkvBias && folded.Layout.OutputBias);

        // Saved, it is an ordinary Llama whose config says so, and it loads to the same logits.
        using var folder = new TempDirectory();
        folded.Save(folder.Path);
        using var config = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(folder.Path, "config.json")));
        Assert.True(config.RootElement.GetProperty(flag).GetBoolean());
        using var reloaded = HookedTransformer.Load(folder.Path);
        TensorAssert.Equal(Logits(folded), Logits(reloaded));
    }

    [Fact]
    public void Mistral_has_no_bias_flag_so_its_missing_biases_are_refused()
    {
        using var scope = NewDisposeScope();
        using var model = HookedTransformer.CreateRandom(TinyDecoderFolders.MistralConfig, seed: 6);
        var error = Assert.Throws<SteeringException>(() => WeightFolding.Folded(model, [new SteeringAddition("blocks.0.mlp_out", ones(48))]));
        Assert.Contains("mlp_bias is false", error.Message);
    }

    private static Tensor Logits(HookedTransformer model)
    {
        using var noGrad = no_grad();
        return model.Forward(tensor(Ids).remainder(model.Dimensions.DVocab).reshape(1, -1));
    }
}
