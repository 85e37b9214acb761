using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;

namespace Steering.Tests.Reference;

/// <summary>The random checkpoint writer's folders, and the reference's reading of every family's config.</summary>
public sealed class RandomCheckpointTests
{
    private static readonly int[] Ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];

    public static TheoryData<ReferenceFamily> Families => new(Enum.GetValues<ReferenceFamily>());

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_family_writes_a_folder_the_reference_reads_back_single_or_sharded(ReferenceFamily family)
    {
        using var single = new TempDirectory();
        using var sharded = new TempDirectory();
        RandomCheckpoint.Write(single.Path, family, seed: 3);
        RandomCheckpoint.Write(sharded.Path, RandomCheckpoint.Config(family), seed: 3, maxShardBytes: 40_000);

        Assert.True(File.Exists(Path.Combine(sharded.Path, HuggingFaceLayout.IndexFile)));
        Assert.True(File.Exists(Path.Combine(single.Path, "generation_config.json")));
        var a = ReferenceModel.Load(single.Path).Forward(Ids);
        var b = ReferenceModel.Load(sharded.Path).Forward(Ids);
        Assert.Equal(a.Logits.SelectMany(r => r), b.Logits.SelectMany(r => r));
        Assert.All(a.Logits.SelectMany(r => r), v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Config_json_has_sorted_keys_and_the_stored_dtype()
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, ReferenceFamily.Llama, storeAs: TorchSharp.torch.ScalarType.BFloat16);
        var json = JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!.AsObject();
        Assert.Equal("bfloat16", json["torch_dtype"]!.GetValue<string>());
        Assert.Equal(json.Select(p => p.Key).Order(StringComparer.Ordinal), json.Select(p => p.Key));
        using var weights = CheckpointWeights.Open(folder.Path);
        Assert.Equal(SafetensorsDType.BF16, weights.GetEntry("model.embed_tokens.weight").DType);
        Assert.False(weights.Contains("lm_head.weight") == RandomCheckpoint.Config(ReferenceFamily.Llama)["tie_word_embeddings"]!.GetValue<bool>());
    }

    [Fact]
    public void Sliding_layers_follow_each_familys_rule()
    {
        Assert.Equal([true, false, true, false], Resolve(ReferenceFamily.Gemma2).SlidingLayers);
        Assert.Equal([true, false, true, false], Resolve(ReferenceFamily.Gemma3).SlidingLayers);
        Assert.Equal([true, true, true, true, true, false], Resolve(ReferenceFamily.Gemma3, c =>
        {
            c["num_hidden_layers"] = 6;
            c.Remove("sliding_window_pattern");
        }).SlidingLayers);
        Assert.Equal([false, true, false, false], Resolve(ReferenceFamily.Gemma3, c =>
            c["layer_types"] = new JsonArray("full_attention", "sliding_attention", "full_attention", "full_attention")).SlidingLayers);
        Assert.Equal([true, true], Resolve(ReferenceFamily.Mistral).SlidingLayers);
        Assert.Equal([false, false], Resolve(ReferenceFamily.Qwen2).SlidingLayers);
        var qwen = Resolve(ReferenceFamily.Qwen2, c =>
        {
            c["use_sliding_window"] = true;
            c["max_window_layers"] = 1;
            c["sliding_window"] = 5;
        });
        Assert.Equal([false, true], qwen.SlidingLayers);
        Assert.Equal(5, qwen.SlidingWindow);
    }

    [Fact]
    public void Family_defaults_fill_absent_keys()
    {
        var qwen3 = ReferenceConfig.Parse(new JsonObject { ["model_type"] = "qwen3" });
        Assert.Equal((128, 32, false), (qwen3.HeadDim, qwen3.KvHeads, qwen3.TieWordEmbeddings));
        var gemma2 = ReferenceConfig.Parse(new JsonObject { ["model_type"] = "gemma2" });
        Assert.Equal((256, 50.0, 30.0, true), (gemma2.HeadDim, gemma2.AttnLogitSoftcap, gemma2.FinalLogitSoftcap, gemma2.TieWordEmbeddings));
        Assert.Equal(1 / 16.0, gemma2.AttentionScale, 12);
        var gemma3 = ReferenceConfig.Parse(new JsonObject { ["model_type"] = "gemma3_text" });
        Assert.Null(gemma3.AttnLogitSoftcap);
        Assert.Equal(1 / Math.Pow(1e6, 2.0 / 256), gemma3.GlobalInvFreq[1], 15);
        Assert.Equal(1 / Math.Pow(1e4, 2.0 / 256), gemma3.LocalInvFreq[1], 15);
        var llama = ReferenceConfig.Parse(new JsonObject { ["model_type"] = "llama", ["num_key_value_heads"] = null });
        Assert.Equal((128, 32, false), (llama.HeadDim, llama.KvHeads, llama.QkvBias));
        Assert.Throws<NotSupportedException>(() => ReferenceConfig.Parse(new JsonObject { ["model_type"] = "phi3" }));
    }

    [Fact]
    public void A_window_as_long_as_the_sequence_changes_nothing_and_a_short_one_does()
    {
        using var folder = new TempDirectory();
        var config = RandomCheckpoint.Config(ReferenceFamily.Mistral);
        RandomCheckpoint.Write(folder.Path, config);
        var windowed = ReferenceModel.Load(folder.Path).Forward(Ids).Logits;

        config["sliding_window"] = Ids.Length;
        RandomCheckpoint.Write(folder.Path, config);
        var whole = ReferenceModel.Load(folder.Path).Forward(Ids).Logits;
        config["sliding_window"] = null;
        RandomCheckpoint.Write(folder.Path, config);
        var unwindowed = ReferenceModel.Load(folder.Path).Forward(Ids).Logits;

        Assert.Equal(unwindowed.SelectMany(r => r), whole.SelectMany(r => r));
        // Window 4: the first 4 positions see everything before them either way; later ones do not.
        Assert.Equal(unwindowed.Take(4).SelectMany(r => r), windowed.Take(4).SelectMany(r => r));
        Assert.NotEqual(unwindowed[^1], windowed[^1]);
    }

    [Fact]
    public void Logits_at_a_position_do_not_depend_on_later_tokens()
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, ReferenceFamily.Gemma3);
        var model = ReferenceModel.Load(folder.Path);
        var full = model.Forward(Ids).Logits;
        var prefix = model.Forward(Ids[..5]).Logits;
        Assert.Equal(prefix.SelectMany(r => r), full.Take(5).SelectMany(r => r));
    }

    private static ReferenceConfig Resolve(ReferenceFamily family, Action<JsonObject>? edit = null)
    {
        var config = RandomCheckpoint.Config(family);
        edit?.Invoke(config);
        return ReferenceConfig.Parse(config);
    }
}
