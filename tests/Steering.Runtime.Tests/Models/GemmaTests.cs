using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// What is Gemma's own beyond the exactness (ReferenceExactnessTests) and conformance suites every family runs: the
/// hook points around the √d_model scale and the sliding-window pattern, and multimodal Gemma 3 folders.
/// </summary>
public sealed class GemmaTests
{
    private static readonly int[] Ids = [2, 17, 3, 200, 42, 42, 9, 130, 7, 1, 250, 64];

    /// <summary>
    /// As hook-conventions.md says for Gemma: <c>embed</c> is the token embedding before the √d_model scale,
    /// <c>blocks.0.resid_pre</c> after it; the pattern (hooked, so the explicit attention path runs) is the reference's,
    /// sliding window included.
    /// </summary>
    [Theory]
    [InlineData(ReferenceFamily.Gemma2)]
    [InlineData(ReferenceFamily.Gemma3)]
    public void Embed_resid_pre_and_pattern_hold_the_references_values(ReferenceFamily family)
    {
        using var folder = new TempDirectory();
        var config = RandomCheckpoint.Write(folder.Path, family, seed: 2);
        using var model = HookedTransformer.Load(folder.Path);
        var expected = ReferenceModel.Load(folder.Path).Forward(Ids);
        var names = Enumerable.Range(0, config.Layers).SelectMany(i => new[] { $"blocks.{i}.resid_pre", $"blocks.{i}.attn.pattern" })
            .Append("embed").ToArray();

        using var scope = model.Hooks.CreateScope();
        using var cache = scope.Cache(names);
        using var views = NewDisposeScope();
        model.Forward(model.TokenTensor(Ids));

        var scale = (float)Math.Sqrt(config.HiddenSize);
        ReferenceAssert.Close(expected.Residuals[0].Select(row => row.Select(v => v / scale).ToArray()).ToArray(), cache["embed"][0], 1e-5, "embed");
        for (var i = 0; i < config.Layers; i++)
        {
            ReferenceAssert.Close(expected.Residuals[i], cache[$"blocks.{i}.resid_pre"][0], ReferenceAssert.Fp32Tolerance, $"blocks.{i}.resid_pre");
            for (var head = 0; head < config.Heads; head++)
            {
                ReferenceAssert.Close(expected.Blocks[i].Pattern[head], cache[$"blocks.{i}.attn.pattern"][0][head], 1e-5,
                    $"blocks.{i}.attn.pattern head {head}");
            }
        }
        // Window 4 over 12 tokens: the last query of a sliding layer sees exactly its 4 latest keys.
        Assert.True(config.SlidingLayers[0]);
        Assert.Equal(4, expected.Blocks[0].Pattern[0][^1].Count(p => p > 0));
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
        RandomCheckpoint.WriteJson(multimodal.File("config.json"), config);
        using (var weights = CheckpointWeights.Open(text.Path))
        using (NewDisposeScope())
        {
            var renamed = weights.Names.Select(name => new KeyValuePair<string, Tensor>("language_model." + name, weights.Load(name)))
                .Append(new("vision_tower.vision_model.embeddings.patch_embedding.weight", ones(8, 3, 2, 2)))
                .Append(new("multi_modal_projector.mm_input_projection_weight", ones(8, 64)));
            CheckpointWeights.Save(multimodal.Path, renamed);
        }

        using var model = HookedTransformer.Load(multimodal.Path);
        Assert.Empty(model.LoadWarnings);
        Assert.Equal("gemma3_text", model.Schema.Architecture);
        ReferenceAssert.Logits(model, ReferenceModel.Load(text.Path), Ids);
    }
}
