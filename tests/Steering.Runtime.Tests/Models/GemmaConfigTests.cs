using System;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;

namespace Steering.Tests.Models;

/// <summary>Gemma configs the runtime reads (defaults, layer kinds) and refuses (one clear error naming the key).</summary>
public sealed class GemmaConfigTests
{
    [Fact]
    public void Absent_keys_take_the_config_classes_defaults()
    {
        var gemma2 = Schema(new JsonObject { ["model_type"] = "gemma2" });
        Assert.Equal((2304, 26, 8, 4, 256, 256000, 8192), (gemma2.Dimensions.DModel, gemma2.Dimensions.NLayers, gemma2.Dimensions.NHeads,
            gemma2.Dimensions.NKvHeads, gemma2.Dimensions.DHead, gemma2.Dimensions.DVocab, gemma2.Dimensions.NCtx));
        var gemma3 = Schema(new JsonObject { ["model_type"] = "gemma3_text" });
        Assert.Equal((262208, 131072), (gemma3.Dimensions.DVocab, gemma3.Dimensions.NCtx));
    }

    [Fact]
    public void Gemma_has_the_extra_norm_points_and_no_learned_positions()
    {
        var schema = Schema(RandomCheckpoint.Config(ReferenceFamily.Gemma2));
        var names = schema.HookPoints.Select(p => p.Name).ToHashSet();
        Assert.DoesNotContain("pos_embed", names);
        Assert.Contains("blocks.0.attn.rot_q", names);
        Assert.Contains("blocks.0.mlp.pre_linear", names);
        // Gemma's post-attention and post-feedforward norms get points for their inputs.
        Assert.Contains("blocks.0.attn.out_pre_norm", names);
        Assert.Contains("blocks.0.mlp.out_pre_norm", names);
    }

    [Theory]
    [InlineData("query_pre_attn_scalar", "0", "query_pre_attn_scalar is 0")]
    [InlineData("attn_logit_softcapping", "-1.0", "attn_logit_softcapping is -1")]
    [InlineData("final_logit_softcapping", "0", "final_logit_softcapping is 0")]
    [InlineData("use_bidirectional_attention", "true", "use_bidirectional_attention")]
    [InlineData("rope_parameters", """{"full_attention": {"rope_theta": 1000000.0}}""", "rope_parameters per layer type")]
    [InlineData("layer_types", """["full_attention"]""", "layer_types lists 1 layers")]
    [InlineData("hidden_activation", "\"swiglu\"", "hidden_activation \"swiglu\" is not supported")]
    [InlineData("num_key_value_heads", "3", "num_attention_heads (4) is not a multiple of num_key_value_heads (3)")]
    [InlineData("rope_scaling", """{"rope_type": "yarn", "factor": 2.0}""", "rope_scaling type \"yarn\" is not supported")]
    public void Bad_values_are_one_clear_error_naming_the_key(string key, string json, string message)
    {
        var config = RandomCheckpoint.Config(ReferenceFamily.Gemma3);
        config[key] = JsonNode.Parse(json);
        var error = Assert.Throws<CheckpointException>(() => Schema(config));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_multimodal_config_without_a_text_config_says_so()
    {
        var error = Assert.Throws<CheckpointException>(() => Schema(new JsonObject { ["model_type"] = "gemma3" }));
        Assert.Contains("no \"text_config\"", error.Message, StringComparison.Ordinal);
    }

    private static Steering.Schema.ModelSchema Schema(JsonObject config)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.WriteJson(folder.File("config.json"), config);
        return HookedTransformer.ReadSchema(folder.Path);
    }
}
