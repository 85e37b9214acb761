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
        Assert.True(difference <= LlamaFamilyExportTests.Tolerance, $"max difference {difference:E2}");
    }

    [Theory]
    [InlineData("llama-biased")]
    [InlineData("qwen2")]
    [InlineData("llama3")]
    public void A_folded_export_steers_llama_cpp_as_the_hooks_steer_us(string name)
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
        using var folded = WeightFolding.Folded(loaded, additions);
        using var foldedLogits = TinyLlamaFamilies.OurLogits(folded, model.Ids);
        var inProcess = (foldedLogits - ours).abs().max().item<double>();
        var path = tiny.File(name + ".folded.f32.gguf");
        GgufModelExport.Write(folded, path, GgmlType.F32);
        using var engine = new LlamaCppEngine(path);
        var difference = TinyGpt2Model.MaxDifference(engine.Logits(model.Ids), ours);
        var effect = TinyGpt2Model.MaxDifference(model.Engine.Logits(model.Ids), ours);
        output.WriteLine($"{name}: folded, ours max |folded - hooked| = {inProcess:E2}; llama.cpp max |folded - ours hooked| = {difference:E2}; steering moves logits by up to {effect:F2}");
        Assert.True(effect > 0.1, $"the steering moves logits by only {effect}");
        Assert.True(inProcess <= 1e-5, $"our folded model differs by {inProcess:E2}");
        Assert.True(difference <= LlamaFamilyExportTests.Tolerance, $"max difference {difference:E2}");
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

    [Fact]
    public void A_sentencepiece_tokenizer_llama_cpp_would_prefix_differently_is_refused_without_a_file()
    {
        using var model = HookedTransformer.Load(tiny["mistral"].Folder);
        using var folder = new Steering.Tests.Support.TempDirectory();
        model.Save(folder.Path);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(TinyLlamaFamilies.TokenizerFolder("llama2-metaspace-first"), file), Path.Combine(folder.Path, file), overwrite: true);
        using var v03 = HookedTransformer.Load(folder.Path);
        var path = tiny.File("mistral-v03.gguf");
        var error = Assert.Throws<SteeringException>(() => GgufModelExport.Write(v03, path));
        Assert.Contains("llama.cpp would tokenize differently", error.Message);
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
        foreach (var (config, reason) in new[] { (mistral, "sliding window of 3"), (gemma, "do not cover gemma2") })
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
