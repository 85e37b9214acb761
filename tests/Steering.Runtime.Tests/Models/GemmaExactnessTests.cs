using System;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// Gemma 2 and Gemma 3 (text) against the independent float64 reference (Support/Reference), on random checkpoints in
/// Hugging Face layout whose sliding windows (4) are shorter than the 12-token input and whose soft-caps bite.
/// </summary>
public sealed class GemmaExactnessTests
{
    private static readonly int[] Ids = [2, 17, 3, 200, 42, 42, 9, 130, 7, 1, 250, 64];

    /// <summary>Config edits, each exercising one setting (the name says which).</summary>
    public static TheoryData<ReferenceFamily, string> Variants => new()
    {
        { ReferenceFamily.Gemma2, "as written" },
        { ReferenceFamily.Gemma2, "no soft-caps" },
        { ReferenceFamily.Gemma2, "attention bias, untied, layer_types" },
        { ReferenceFamily.Gemma3, "as written" },
        { ReferenceFamily.Gemma3, "soft-caps, no rope scaling" },
        { ReferenceFamily.Gemma3, "default pattern, llama3 scaling, query scalar = head_dim" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Fp32_logits_equal_the_reference(ReferenceFamily family, string variant)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, Config(family, variant), seed: 11);
        using var model = HookedTransformer.Load(folder.Path);
        ReferenceAssert.Logits(model, ReferenceModel.Load(folder.Path), Ids);
    }

    [Theory]
    [InlineData(ReferenceFamily.Gemma2)]
    [InlineData(ReferenceFamily.Gemma3)]
    public void Bf16_sharded_weights_load_and_compute_in_fp32_exactly(ReferenceFamily family)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(family), seed: 5, storeAs: ScalarType.BFloat16, maxShardBytes: 60_000);
        using var model = HookedTransformer.Load(folder.Path);
        ReferenceAssert.Logits(model, ReferenceModel.Load(folder.Path), Ids);
    }

    /// <summary>
    /// The hook points hold what hook-conventions.md says for Gemma: resid_pre of block 0 is embed × √d_model,
    /// attn_out and mlp_out are after the post norms (what is added to the residual), and the pattern (hooked, so the
    /// explicit attention path runs) is the reference's, sliding window included.
    /// </summary>
    [Theory]
    [InlineData(ReferenceFamily.Gemma2)]
    [InlineData(ReferenceFamily.Gemma3)]
    public void Hook_points_hold_the_references_intermediate_values(ReferenceFamily family)
    {
        using var folder = new TempDirectory();
        var config = RandomCheckpoint.Write(folder.Path, family, seed: 2);
        using var model = HookedTransformer.Load(folder.Path);
        var expected = ReferenceModel.Load(folder.Path).Forward(Ids);
        var names = Enumerable.Range(0, config.Layers).SelectMany(i => new[]
        {
            $"blocks.{i}.resid_pre", $"blocks.{i}.attn_out", $"blocks.{i}.mlp_out", $"blocks.{i}.resid_post", $"blocks.{i}.attn.pattern",
        }).Append("embed").ToArray();

        using var scope = model.Hooks.CreateScope();
        using var cache = scope.Cache(names);
        using (NewDisposeScope()) model.Forward(model.TokenTensor(Ids)).Dispose();

        using var views = NewDisposeScope();
        const double tolerance = ReferenceAssert.Fp32Tolerance;
        var scale = (float)Math.Sqrt(config.HiddenSize);
        ReferenceAssert.Close(expected.Residuals[0].Select(row => row.Select(v => v / scale).ToArray()).ToArray(), cache["embed"][0], 1e-5, "embed");
        for (var i = 0; i < config.Layers; i++)
        {
            ReferenceAssert.Close(expected.Residuals[i], cache[$"blocks.{i}.resid_pre"][0], tolerance, $"blocks.{i}.resid_pre");
            ReferenceAssert.Close(expected.Blocks[i].AttnOut, cache[$"blocks.{i}.attn_out"][0], tolerance, $"blocks.{i}.attn_out");
            ReferenceAssert.Close(expected.Blocks[i].MlpOut, cache[$"blocks.{i}.mlp_out"][0], tolerance, $"blocks.{i}.mlp_out");
            ReferenceAssert.Close(expected.Residuals[i + 1], cache[$"blocks.{i}.resid_post"][0], tolerance, $"blocks.{i}.resid_post");
            for (var head = 0; head < config.Heads; head++)
            {
                ReferenceAssert.Close(expected.Blocks[i].Pattern[head], cache[$"blocks.{i}.attn.pattern"][0][head], 1e-5,
                    $"blocks.{i}.attn.pattern head {head}");
            }
        }
    }

    [Fact]
    public void Save_writes_a_config_that_loads_back_to_the_same_model()
    {
        using var folder = new TempDirectory();
        using var resaved = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, Config(ReferenceFamily.Gemma3, "default pattern, llama3 scaling, query scalar = head_dim"));
        using (var model = HookedTransformer.Load(folder.Path)) model.Save(resaved.Path);
        using var reloaded = HookedTransformer.Load(resaved.Path);
        ReferenceAssert.Logits(reloaded, ReferenceModel.Load(folder.Path), Ids);
        Assert.Equal(ReferenceModel.Load(folder.Path).Config.SlidingLayers, ReferenceModel.Load(resaved.Path).Config.SlidingLayers);
    }

    /// <summary>
    /// A multimodal Gemma 3 folder as transformers 4.50 saves Gemma3ForConditionalGeneration: config.json with model_type
    /// gemma3 and the text model's settings under text_config, the text model's tensors under <c>language_model.</c>,
    /// plus vision tower and projector tensors. The text model loads and computes what the text-only folder does.
    /// </summary>
    [Fact]
    public void A_multimodal_gemma3_folder_loads_its_text_model()
    {
        using var text = new TempDirectory();
        using var multimodal = new TempDirectory();
        var textConfig = RandomCheckpoint.Config(ReferenceFamily.Gemma3);
        RandomCheckpoint.Write(text.Path, textConfig, seed: 9);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Gemma3ForConditionalGeneration"), ["boi_token_index"] = 255999,
            ["eoi_token_index"] = 256000, ["eos_token_id"] = new JsonArray(1, 106), ["image_token_index"] = 262144,
            ["initializer_range"] = 0.02, ["mm_tokens_per_image"] = 256, ["model_type"] = "gemma3", ["text_config"] = textConfig,
            ["torch_dtype"] = "float32", ["transformers_version"] = "4.50.0.dev0",
            ["vision_config"] = new JsonObject { ["hidden_size"] = 8, ["model_type"] = "siglip_vision_model", ["patch_size"] = 2 },
        };
        RandomCheckpoint.WriteJson(System.IO.Path.Combine(multimodal.Path, "config.json"), config);
        using (var weights = Steering.Checkpoints.CheckpointWeights.Open(text.Path))
        using (var tensors = NewDisposeScope())
        {
            var renamed = weights.Names.Select(name => new System.Collections.Generic.KeyValuePair<string, Tensor>("language_model." + name, weights.Load(name)))
                .Append(new("vision_tower.vision_model.embeddings.patch_embedding.weight", ones(8, 3, 2, 2)))
                .Append(new("multi_modal_projector.mm_input_projection_weight", ones(8, 64)))
                .ToList();
            Steering.Checkpoints.CheckpointWeights.Save(multimodal.Path, renamed);
        }

        using var model = HookedTransformer.Load(multimodal.Path);
        Assert.Empty(model.LoadWarnings);
        Assert.Equal("gemma3_text", model.Schema.Architecture);
        ReferenceAssert.Logits(model, ReferenceModel.Load(text.Path), Ids);
    }

    private static JsonObject Config(ReferenceFamily family, string variant)
    {
        var config = RandomCheckpoint.Config(family);
        switch (variant)
        {
            case "no soft-caps":
                config["attn_logit_softcapping"] = null;
                config["final_logit_softcapping"] = null;
                break;
            case "attention bias, untied, layer_types":
                config["attention_bias"] = true;
                config["tie_word_embeddings"] = false;
                config["layer_types"] = new JsonArray("full_attention", "sliding_attention", "sliding_attention", "full_attention");
                break;
            case "soft-caps, no rope scaling":
                config["attn_logit_softcapping"] = 3.0;
                config["final_logit_softcapping"] = 8.0;
                config["rope_scaling"] = null;
                break;
            case "default pattern, llama3 scaling, query scalar = head_dim":
                config["num_hidden_layers"] = 7;
                config.Remove("sliding_window_pattern");
                config["query_pre_attn_scalar"] = 16;
                config["rope_scaling"] = new JsonObject
                {
                    ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
                    ["original_max_position_embeddings"] = 64,
                };
                break;
        }
        return config;
    }
}
