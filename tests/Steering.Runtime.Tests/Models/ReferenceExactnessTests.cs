using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Schema;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// Every family loaded by the runtime from a random Hugging Face checkpoint against the independent float64 reference
/// (plain loops written from transformers' modeling files): fp32 logits, and what each block adds to the residual
/// stream, within 1e-4 over a sequence longer than the sliding windows.
/// </summary>
public sealed class ReferenceExactnessTests
{
    private static readonly int[] Ids = [5, 17, 3, 200, 42, 42, 9, 130, 7, 1, 250, 64];
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(ReferenceFamily.Gpt2)]
    [InlineData(ReferenceFamily.Llama)]
    [InlineData(ReferenceFamily.Mistral)]
    [InlineData(ReferenceFamily.Qwen2)]
    [InlineData(ReferenceFamily.Qwen3)]
    [InlineData(ReferenceFamily.Gemma2)]
    [InlineData(ReferenceFamily.Gemma3)]
    public void Logits_and_sublayer_outputs_equal_the_references(ReferenceFamily family) =>
        AssertMatches(RandomCheckpoint.Config(family));

    [Fact]
    public void Llama_with_tied_embeddings_biases_linear_rope_scaling_and_no_grouping_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Llama);
        config["tie_word_embeddings"] = true;
        config["attention_bias"] = true;
        config["mlp_bias"] = true;
        config["num_key_value_heads"] = config["num_attention_heads"]!.DeepClone();
        config["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 4.0 };
        AssertMatches(config);
    }

    [Fact]
    public void Llama_without_head_dim_or_rope_scaling_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Llama);
        config.Remove("head_dim");
        config["rope_scaling"] = null;
        AssertMatches(config);
    }

    [Fact]
    public void Qwen2_with_sliding_window_layers_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Qwen2);
        config["use_sliding_window"] = true;
        config["sliding_window"] = 3;
        config["max_window_layers"] = 1;
        AssertMatches(config);
    }

    [Fact]
    public void Qwen3_with_attention_bias_and_sliding_window_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Qwen3);
        config["attention_bias"] = true;
        config["use_sliding_window"] = true;
        config["sliding_window"] = 5;
        config["max_window_layers"] = 0;
        AssertMatches(config);
    }

    [Fact]
    public void Gemma2_without_soft_caps_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Gemma2);
        config["attn_logit_softcapping"] = null;
        config["final_logit_softcapping"] = null;
        AssertMatches(config);
    }

    [Fact]
    public void Gemma2_with_attention_bias_untied_embeddings_and_layer_types_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Gemma2);
        config["attention_bias"] = true;
        config["tie_word_embeddings"] = false;
        config["layer_types"] = new JsonArray("full_attention", "sliding_attention", "sliding_attention", "full_attention");
        AssertMatches(config);
    }

    [Fact]
    public void Gemma3_with_soft_caps_and_no_rope_scaling_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Gemma3);
        config["attn_logit_softcapping"] = 3.0;
        config["final_logit_softcapping"] = 8.0;
        config["rope_scaling"] = null;
        AssertMatches(config);
    }

    [Fact]
    public void Gemma3_with_the_default_layer_pattern_and_llama3_scaling_on_global_layers_equals_the_reference()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Gemma3);
        config["num_hidden_layers"] = 7;
        config.Remove("sliding_window_pattern");
        config["query_pre_attn_scalar"] = 16;
        config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 64,
        };
        AssertMatches(config);
    }

    [Fact]
    public void Bfloat16_shards_load_exactly_into_float32()
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Llama);
        AssertMatches(config, storeAs: ScalarType.BFloat16, maxShardBytes: 16_000);
    }

    [Fact]
    public void Kv_cached_decoding_with_a_sliding_window_equals_the_reference()
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(ReferenceFamily.Mistral), seed: 5);
        var reference = ReferenceModel.Load(folder.Path).Forward(Ids);
        using var model = HookedTransformer.Load(folder.Path);
        using var scope = NewDisposeScope();
        using var cache = model.CreateCache();
        model.Forward(model.TokenTensor(Ids[..3]), cache: cache);
        for (var i = 3; i < Ids.Length; i++)
        {
            var step = model.Forward(model.TokenTensor(new[] { Ids[i] }), cache: cache);
            AssertClose(reference.Logits[i], Row(step[0, 0]), $"decode step at position {i}");
        }
    }

    [Theory]
    [InlineData(TinyDecoderFolders.LlamaConfig)]
    [InlineData(TinyDecoderFolders.TiedLlamaConfig)]
    [InlineData(TinyDecoderFolders.MistralConfig)]
    [InlineData(TinyDecoderFolders.Qwen2Config)]
    [InlineData(TinyDecoderFolders.Qwen3Config)]
    [InlineData(TinyDecoderFolders.Gemma2Config)]
    [InlineData(TinyDecoderFolders.Gemma3Config)]
    public void Folders_the_runtime_saves_read_the_same_in_the_reference(string config)
    {
        // The reference resolves config.json with its own reader: the config written back must mean the same model.
        using var folder = new TempDirectory();
        using (var model = HookedTransformer.CreateRandom(config, seed: 6)) model.Save(folder.Path);
        var reference = ReferenceModel.Load(folder.Path).Forward(Ids);
        using var loaded = HookedTransformer.Load(folder.Path);
        using var scope = NewDisposeScope();
        var logits = loaded.Forward(loaded.TokenTensor(Ids));
        for (var position = 0; position < Ids.Length; position++)
            AssertClose(reference.Logits[position], Row(logits[0, position]), $"logits at position {position}", 1e-5);
        // Hugging Face's initialization (std 0.02) gives small logits: the tolerance is tighter, and they must not vanish.
        Assert.True(reference.Logits.SelectMany(row => row).Max(Math.Abs) > 1e-3);
    }

    private static void AssertMatches(JsonObject config, ScalarType? storeAs = null, long maxShardBytes = long.MaxValue)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, config, seed: 3, storeAs: storeAs, maxShardBytes: maxShardBytes);
        var reference = ReferenceModel.Load(folder.Path).Forward(Ids);
        using var model = HookedTransformer.Load(folder.Path);
        Assert.Empty(model.LoadWarnings);
        using var scope = NewDisposeScope();
        var layers = model.Dimensions.NLayers;
        var sites = new[] { HookSites.AttnOut, HookSites.MlpOut, HookSites.ResidPost };
        using var hooks = model.Hooks.CreateScope();
        using var cache = hooks.Cache(Enumerable.Range(0, layers).SelectMany(l => sites.Select(s => HookNames.Block(l, s))).ToArray());
        var logits = model.Forward(model.TokenTensor(Ids));

        for (var position = 0; position < Ids.Length; position++)
        {
            AssertClose(reference.Logits[position], Row(logits[0, position]), $"logits at position {position}");
            for (var layer = 0; layer < layers; layer++)
            {
                var block = reference.Blocks[layer];
                AssertClose(block.AttnOut[position], Row(cache[HookNames.Block(layer, HookSites.AttnOut)][0, position]), $"block {layer} attn_out at {position}");
                AssertClose(block.MlpOut[position], Row(cache[HookNames.Block(layer, HookSites.MlpOut)][0, position]), $"block {layer} mlp_out at {position}");
                AssertClose(reference.Residuals[layer + 1][position], Row(cache[HookNames.Block(layer, HookSites.ResidPost)][0, position]), $"block {layer} resid_post at {position}");
            }
        }
        // The comparison means something only if the logits do.
        Assert.True(reference.Logits.SelectMany(row => row).Max(Math.Abs) > 0.1);
    }

    private static double[] Row(Tensor row) => row.to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        var largest = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(largest <= tolerance, $"{what}: largest difference {largest:E3}");
    }
}
