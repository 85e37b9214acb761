using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Editing;
using Steering.Export;
using Steering.Vectors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// Steering the Llama-shaped families in llama.cpp: our control vector through llama_set_adapter_cvec steers as our
/// hooks at blocks.N.resid_post do, and a folded export steers the same way with no vector; what cannot fold is refused.
/// </summary>
[Collection(TinyLlamaFamiliesGroup.Name)]
public sealed class LlamaFamilySteeringTests(TinyLlamaFamilies tiny, ITestOutputHelper output)
{
    private static Tensor Vector(long length, long seed) => TinyGpt2Model.RandomVector(length, seed);

    [Theory]
    [MemberData(nameof(TinyLlamaFamilies.Names), MemberType = typeof(TinyLlamaFamilies))]
    public void A_control_vector_steers_llama_cpp_as_hooks_at_resid_post_steer_us(string name)
    {
        var model = tiny[name];
        // llama.cpp has control-vector slots for layers 1 … n−1: blocks.1.resid_post is the one a 2-block model has.
        var additions = new List<SteeringAddition> { new("blocks.1.resid_post", Vector(48, 32), -1.5) };
        using var vector = ControlVector.FromAdditions(additions, model.Model.Dimensions, model.Engine.Metadata("general.architecture"));
        var layers = model.Model.Dimensions.NLayers;
        float[][] steered;
        model.Engine.SetControlVector(vector.ToAdapterLayout(layers), layers);
        try
        {
            steered = model.Engine.Logits(model.Ids);
        }
        finally
        {
            model.Engine.SetControlVector(null, layers);
        }
        using var ours = Hooked(model, additions);
        var difference = TinyGpt2Model.MaxDifference(steered, ours);
        var effect = TinyGpt2Model.MaxDifference(model.Engine.Logits(model.Ids), ours);
        output.WriteLine($"{name}: control vector max |llama.cpp - ours| = {difference:E2}; the steering moves logits by up to {effect:F2}");
        Assert.True(effect > 0.1, $"the steering moves logits by only {effect}");
        Assert.True(difference <= TinyLlamaFamilies.Tolerance(name), $"max difference {difference:E2}");
    }

    [Theory]
    [InlineData("llama-biased")]
    [InlineData("qwen2")]
    [InlineData("llama3")]
    public void A_folded_folder_loads_back_and_its_export_steers_llama_cpp_as_the_hooks_steer_us(string name)
    {
        var model = tiny[name];
        List<SteeringAddition> additions = name == "llama3"
            // A plain Llama 3 has no biases: folding turns attention_bias and mlp_bias on.
            ? [new("blocks.0.attn_out", Vector(48, 71), 1.5), new("blocks.1.mlp_out", Vector(48, 72), -0.75),
               new("blocks.0.resid_post", Vector(48, 73), 0.5), new("blocks.1.ln1", Vector(48, 74), 0.6),
               new("blocks.0.ln2", Vector(48, 75), 0.6)]
            : name == "qwen2"
            ? [new("blocks.0.attn.q", Vector(48, 41).reshape(4, 12), 0.8), new("blocks.1.attn.k", Vector(24, 42).reshape(2, 12), 0.6),
               new("blocks.1.attn.v", Vector(24, 43).reshape(2, 12), 1.2), new("blocks.1.ln1", Vector(48, 44), 0.7)]
            : [new("blocks.0.attn_out", Vector(48, 51), 1.5), new("blocks.1.resid_post", Vector(48, 52), -0.75),
               new("blocks.1.resid_pre", Vector(48, 53), 0.5), new("blocks.0.mlp.post", Vector(96, 54), 0.3),
               new("blocks.1.attn.z", Vector(32, 55).reshape(4, 8), 0.7), new("blocks.0.attn.q", Vector(32, 56).reshape(4, 8), 0.9),
               new("blocks.1.attn.k", Vector(32, 57).reshape(4, 8), 0.9), new("blocks.0.mlp.pre", Vector(96, 58), 0.4),
               new("blocks.1.mlp.pre_linear", Vector(96, 59), 0.4), new("blocks.0.ln1", Vector(48, 60), 0.6),
               new("blocks.1.ln2", Vector(48, 61), 0.6)];
        using var ours = Hooked(model, additions);

        using var loaded = HookedTransformer.Load(model.Folder);
        using (var folded = WeightFolding.Folded(loaded, additions))
            folded.Save(tiny.File(name + ".folded"));
        // The folded Hugging Face folder (config.json with the biases turned on) is what is loaded and exported.
        using var reloaded = HookedTransformer.Load(tiny.File(name + ".folded"));
        using var foldedLogits = TinyLlamaFamilies.OurLogits(reloaded, model.Ids);
        var inProcess = (foldedLogits - ours).abs().max().item<double>();
        var path = tiny.File(name + ".folded.f32.gguf");
        GgufModelExport.Write(reloaded, path, GgmlType.F32);
        using var engine = new LlamaCppEngine(path);
        var difference = TinyGpt2Model.MaxDifference(engine.Logits(model.Ids), ours);
        var effect = TinyGpt2Model.MaxDifference(model.Engine.Logits(model.Ids), ours);
        output.WriteLine($"{name}: folded, saved, reloaded: ours max |folded - hooked| = {inProcess:E2}; llama.cpp max |folded - ours hooked| = {difference:E2}; steering moves logits by up to {effect:F2}");
        Assert.True(effect > 0.1, $"the steering moves logits by only {effect}");
        Assert.True(inProcess <= 1e-5, $"our folded model differs by {inProcess:E2}");
        Assert.True(difference <= TinyLlamaFamilies.Tolerance(name), $"max difference {difference:E2}");
    }

    [Theory]
    [InlineData("llama3", "blocks.1.resid_post", "mlp_bias is false")]
    [InlineData("llama3", "blocks.0.attn_out", "attention_bias is false")]
    [InlineData("llama-biased", "blocks.0.resid_pre", "before block 0")]
    [InlineData("llama-biased", "blocks.0.attn.rot_q", "position")]
    [InlineData("llama-biased", "ln_final", "RMSNorm has no bias")]
    [InlineData("qwen3", "blocks.0.attn.q", "normalized after their projections")]
    [InlineData("qwen3", "blocks.0.ln1", "attention_bias is false")]
    [InlineData("qwen2", "blocks.0.ln2", "mlp_bias is false")]
    [InlineData("gemma2", "blocks.0.attn_out", "post_attention_layernorm")]
    [InlineData("gemma2", "blocks.1.resid_pre", "RMSNorms without a bias")]
    [InlineData("gemma3", "blocks.1.resid_post", "RMSNorms without a bias")]
    [InlineData("gemma3", "blocks.2.mlp_out", "RMSNorms without a bias")]
    [InlineData("gemma3", "blocks.0.attn.q", "normalized after their projections")]
    [InlineData("gemma2", "blocks.0.mlp.out_pre_norm", "mlp_bias is false")]
    [InlineData("gemma2", "blocks.0.ln2", "mlp_bias is false")]
    public void What_cannot_fold_is_refused_with_the_reason(string name, string hook, string reason)
    {
        Assert.Contains(reason, WeightFolding.WhyNotFoldable(tiny[name].Model, hook));
        using var model = HookedTransformer.Load(tiny[name].Folder);
        using var vector = ones(model.Hooks[hook].VectorShape.Select(size => (long)size).ToArray());
        var error = Assert.Throws<SteeringException>(() => WeightFolding.Fold(model, [new SteeringAddition(hook, vector, 1.0)]));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_qwen3_folded_into_new_attention_biases_is_not_exported_because_llama_cpp_would_ignore_them()
    {
        using var model = HookedTransformer.Load(tiny["qwen3"].Folder);
        using var folded = WeightFolding.Folded(model, [new SteeringAddition("blocks.0.ln1", Vector(48, 81), 1.0)]);
        Assert.True(folded.Layout.QkvBias);
        var path = tiny.File("qwen3.folded.gguf");
        var error = Assert.Throws<SteeringException>(() => GgufModelExport.Write(folded, path));
        Assert.Contains("qwen3 has no attention biases", error.Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("gemma2")]
    [InlineData("gemma3")]
    public void Gemma_folds_before_its_post_norms_into_new_attention_biases_which_llama_cpp_lacks(string name)
    {
        // Points before the post-attention norm fold into q/k/v/o biases that attention_bias turns on: exact in our
        // loader, and a Hugging Face folder transformers loads. llama.cpp's gemma2/gemma3 graphs have no attention
        // biases, so the folded model is not exported as GGUF; a control vector steers Gemma there instead.
        var model = tiny[name];
        List<SteeringAddition> additions =
        [
            new("blocks.0.attn.out_pre_norm", Vector(48, 91), 1.5), new("blocks.1.attn.z", Vector(64, 92).reshape(4, 16), 0.7),
            new("blocks.1.attn.v", Vector(32, 93).reshape(2, 16), 0.9), new("blocks.0.ln1", Vector(48, 94), 0.6),
        ];
        using var ours = Hooked(model, additions);
        using var loaded = HookedTransformer.Load(model.Folder);
        using var folded = WeightFolding.Folded(loaded, additions);
        Assert.True(folded.Layout.QkvBias && folded.Layout.OutputBias);
        using var folder = new Steering.Tests.Support.TempDirectory();
        folded.Save(folder.Path);
        using var reloaded = HookedTransformer.Load(folder.Path);
        using var reloadedLogits = TinyLlamaFamilies.OurLogits(reloaded, model.Ids);
        var difference = (reloadedLogits - ours).abs().max().item<double>();
        using var plain = TinyLlamaFamilies.OurLogits(model.Model, model.Ids);
        var effect = (plain - ours).abs().max().item<double>();
        output.WriteLine($"{name}: folded, saved and reloaded: max |folded - hooked| = {difference:E2}; steering moves logits by up to {effect:F2}");
        Assert.True(effect > 0.1, $"the steering moves logits by only {effect}");
        // float32 rounding of the folded biases through up to 6 blocks (measured 1.2e-5 for gemma3).
        Assert.True(difference <= 1e-4, $"max difference {difference:E2}");

        var path = tiny.File(name + ".folded.gguf");
        Assert.Contains($"llama.cpp's {name} has no attention biases", Assert.Throws<SteeringException>(() => GgufModelExport.Write(folded, path)).Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Architectures_llama_cpp_computes_differently_are_refused_without_a_file()
    {
        const string mistral = """
            { "model_type": "mistral", "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
              "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 64, "sliding_window": 3 }
            """;
        const string gemma = """
            { "model_type": "gemma2", "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
              "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "max_position_embeddings": 64 }
            """;
        const string gemma3 = """
            { "model_type": "gemma3_text", "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
              "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "query_pre_attn_scalar": 8,
              "max_position_embeddings": 64, "rope_local_base_freq": 20000.0 }
            """;
        foreach (var (config, reason) in new[]
        {
            (mistral, "sliding window of 3"),
            (gemma, "scales queries by 1/sqrt(head_dim)"),
            (gemma3, "uses rotary base 10000 in layer 0"),
            (gemma3.Replace("20000.0", "10000.0, \"final_logit_softcapping\": 30.0", StringComparison.Ordinal), "does not soft-cap logits"),
        })
        {
            using var model = HookedTransformer.CreateRandom(config, seed: 1);
            var path = tiny.File("refused.gguf");
            var error = Assert.Throws<SteeringException>(() => GgufModelExport.Write(model, path));
            Assert.Contains(reason, error.Message);
            Assert.False(File.Exists(path));
        }
    }

    private static Tensor Hooked(TinyLlamaFamilies.Tiny model, IEnumerable<SteeringAddition> additions)
    {
        using var scope = model.Model.Hooks.CreateScope();
        foreach (var addition in additions) scope.AddVector(addition.HookName, addition.Vector, addition.Coefficient);
        return TinyLlamaFamilies.OurLogits(model.Model, model.Ids);
    }
}
