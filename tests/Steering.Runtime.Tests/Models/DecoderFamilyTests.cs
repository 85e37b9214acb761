using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Generation;
using Steering.Models;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>Config reading, tensor names, special tokens and tokenizer policy of the Llama-shaped families.</summary>
public sealed class DecoderFamilyTests
{
    [Theory]
    // Llama-3.2-1B: vocab 128256, hidden 2048, intermediate 8192, 16 layers, 32 heads over 8, tied — 1.24B as published.
    [InlineData("""{ "model_type": "llama", "vocab_size": 128256, "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "tie_word_embeddings": true }""", 1_235_814_400L)]
    // Qwen2.5-0.5B: q/k/v biases, tied — 494,032,768 as published.
    [InlineData("""{ "model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "tie_word_embeddings": true }""", 494_032_768L)]
    // Mistral-7B-v0.1 with the config class's defaults for everything but the vocabulary: 7,241,732,096 as published.
    [InlineData("""{ "model_type": "mistral" }""", 7_241_732_096L)]
    public void Parameter_counts_from_config_json_alone_match_published_models(string config, long published)
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("config.json"), config);
        Assert.Equal(published, HookedTransformer.ReadLayout(folder.Path).ParameterCount);
    }

    [Theory]
    [InlineData("""{ "model_type": "falcon" }""", "model_type \"falcon\" is not supported (supported: gemma2, gemma3, gemma3_text, gpt2, llama, mistral, qwen2, qwen3)")]
    [InlineData("""{ "model_type": "llama", "rope_scaling": { "rope_type": "yarn", "factor": 4.0 } }""", "rope_scaling type \"yarn\" is not supported (supported: default, linear, llama3)")]
    [InlineData("""{ "model_type": "llama", "rope_scaling": { "rope_type": "llama3", "factor": 8.0 } }""", "rope_scaling of type \"llama3\" has no \"low_freq_factor\"")]
    [InlineData("""{ "model_type": "mistral", "num_attention_heads": 6, "num_key_value_heads": 4 }""", "num_attention_heads (6) is not a multiple of num_key_value_heads (4)")]
    [InlineData("""{ "model_type": "llama", "hidden_size": 50, "num_attention_heads": 4 }""", "hidden_size (50) is not a multiple of num_attention_heads (4) and there is no head_dim")]
    [InlineData("""{ "model_type": "qwen2", "use_sliding_window": true, "num_hidden_layers": 2, "layer_types": ["full_attention", "chunked_attention"] }""", "layer_types has \"chunked_attention\"")]
    [InlineData("""{ "model_type": "llama", "hidden_act": "swiglu" }""", "hidden_act \"swiglu\" is not supported")]
    [InlineData("""{ "model_type": "qwen3", "rms_norm_eps": 0 }""", "rms_norm_eps is 0; it must be positive")]
    public void Unsupported_or_inconsistent_configs_fail_with_one_clear_line(string config, string expected)
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("config.json"), config);
        var error = Assert.Throws<CheckpointException>(() => HookedTransformer.ReadSchema(folder.Path));
        Assert.Contains(expected, error.Message);
        Assert.Contains("config.json", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Sliding_windows_follow_each_config_class()
    {
        using var folder = new TempDirectory();
        DecoderLayout Read(string config)
        {
            File.WriteAllText(folder.File("config.json"), config);
            return HookedTransformer.ReadLayout(folder.Path);
        }
        int?[] Windows(string config) => Read(config).Layers.Select(l => l.SlidingWindow).ToArray();
        Assert.Equal(new int?[] { 4096, 4096 }, Windows("""{ "model_type": "mistral", "num_hidden_layers": 2 }"""));
        Assert.Equal(new int?[] { null, null }, Windows("""{ "model_type": "mistral", "num_hidden_layers": 2, "sliding_window": null }"""));
        Assert.Equal(new int?[] { null, null, null }, Windows("""{ "model_type": "qwen2", "num_hidden_layers": 3, "sliding_window": 8, "max_window_layers": 1 }"""));
        Assert.Equal(new int?[] { null, 8, 8 }, Windows("""{ "model_type": "qwen2", "num_hidden_layers": 3, "use_sliding_window": true, "sliding_window": 8, "max_window_layers": 1 }"""));
        Assert.Equal(new int?[] { 8, null, 8 }, Windows("""{ "model_type": "qwen3", "num_hidden_layers": 3, "use_sliding_window": true, "sliding_window": 8, "layer_types": ["sliding_attention", "full_attention", "sliding_attention"] }"""));
        Assert.Equal(new int?[] { null, null }, Windows("""{ "model_type": "llama", "num_hidden_layers": 2, "sliding_window": 8 }"""));
    }

    [Fact]
    public void A_sliding_window_hides_tokens_older_than_its_reach()
    {
        // Two layers with a 3-position window: position 7 reads positions 5–7, which read 3–7; token 0 is out of reach.
        using var mistral = HookedTransformer.CreateRandom(TinyDecoderFolders.MistralConfig, seed: 2);
        using var llama = HookedTransformer.CreateRandom(TinyDecoderFolders.MistralConfig.Replace("\"sliding_window\": 3", "\"sliding_window\": null"), seed: 2);
        using var scope = NewDisposeScope();
        int[] first = { 10, 11, 12, 13, 14, 15, 16, 17 }, changed = { 99, 11, 12, 13, 14, 15, 16, 17 };
        Tensor Last(HookedTransformer model, int[] ids) => model.Forward(model.TokenTensor(ids))[0, -1];
        TensorAssert.Equal(Last(mistral, first), Last(mistral, changed));
        Assert.False(Last(llama, first).allclose(Last(llama, changed)), "without a window every token matters");
    }

    [Fact]
    public void Checkpoints_use_hugging_face_tensor_names()
    {
        using var folder = new TempDirectory();
        using (var qwen2 = HookedTransformer.CreateRandom(TinyDecoderFolders.Qwen2Config, seed: 1)) qwen2.Save(folder.Path);
        using (var weights = CheckpointWeights.Open(folder.Path))
        {
            Assert.Contains("model.embed_tokens.weight", weights.Names);
            Assert.Contains("model.layers.1.self_attn.q_proj.bias", weights.Names);
            Assert.DoesNotContain("model.layers.1.self_attn.o_proj.bias", weights.Names);
            Assert.Contains("model.layers.1.post_attention_layernorm.weight", weights.Names);
            Assert.Contains("model.layers.0.mlp.gate_proj.weight", weights.Names);
            Assert.Contains("model.norm.weight", weights.Names);
            Assert.DoesNotContain("lm_head.weight", weights.Names); // tied
        }
        using (var qwen3 = HookedTransformer.CreateRandom(TinyDecoderFolders.Qwen3Config, seed: 1)) qwen3.Save(folder.Path);
        using (var weights = CheckpointWeights.Open(folder.Path))
        {
            Assert.Equal(new long[] { 16 }, weights.GetEntry("model.layers.0.self_attn.q_norm.weight").Shape);
            Assert.Equal(new long[] { 64, 48 }, weights.GetEntry("model.layers.0.self_attn.q_proj.weight").Shape);
        }
        using (var llama = HookedTransformer.CreateRandom(TinyDecoderFolders.LlamaConfig, seed: 1)) llama.Save(folder.Path);
        using (var weights = CheckpointWeights.Open(folder.Path))
            Assert.Equal(new long[] { 512, 48 }, weights.GetEntry("lm_head.weight").Shape);
    }

    [Fact]
    public void Buffers_and_a_tied_head_are_ignored_silently_and_strangers_are_reported()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = HookedTransformer.CreateRandom(TinyDecoderFolders.Qwen3Config, seed: 1);
        original.Save(folder.Path);
        var tensors = original.NamedParameters().Select(p => new System.Collections.Generic.KeyValuePair<string, Tensor>(p.Name, p.Parameter)).ToList();
        tensors.Add(new("model.layers.0.self_attn.rotary_emb.inv_freq", ones(8)));
        tensors.Add(new("lm_head.weight", original.NamedParameters().First(p => p.Name == "model.embed_tokens.weight").Parameter));
        tensors.Add(new("model.layers.0.mlp.extra.weight", ones(2)));
        CheckpointWeights.Save(folder.Path, tensors);
        using var loaded = HookedTransformer.Load(folder.Path);
        Assert.Equal("checkpoint tensor 'model.layers.0.mlp.extra.weight' is not used by qwen3 and was ignored", Assert.Single(loaded.LoadWarnings));
    }

    [Fact]
    public void Missing_tensors_and_lying_configs_are_named_before_anything_is_allocated()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = HookedTransformer.CreateRandom(TinyDecoderFolders.LlamaConfig, seed: 1);
        original.Save(folder.Path);
        var partial = original.NamedParameters().Where(p => p.Name != "lm_head.weight")
            .Select(p => new System.Collections.Generic.KeyValuePair<string, Tensor>(p.Name, p.Parameter));
        CheckpointWeights.Save(folder.Path, partial);
        Assert.Contains("missing 1 tensor(s) llama needs: lm_head.weight", Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path)).Message);

        File.WriteAllText(folder.File("config.json"), """{ "model_type": "llama", "num_hidden_layers": 100000 }""");
        Assert.Contains("describes a llama with", Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path)).Message);
    }

    [Fact]
    public void Special_tokens_come_from_generation_config_then_config_then_the_class_defaults()
    {
        using var folder = new TempDirectory();
        using (var llama = HookedTransformer.CreateRandom(TinyDecoderFolders.LlamaConfig, seed: 1))
        {
            Assert.Equal(new SpecialTokenIds(1, new[] { 2, 3 }, null), llama.SpecialTokens);
            Assert.Equal(2, llama.SpecialTokens.PaddingId);
            llama.Save(folder.Path);
        }
        Assert.Equal(new SpecialTokenIds(1, new[] { 2, 3 }, null), Load(folder.Path).SpecialTokens);

        File.WriteAllText(folder.File("generation_config.json"), """{ "bos_token_id": 7, "eos_token_id": [9, 8], "pad_token_id": 4 }""");
        Assert.Equal(new SpecialTokenIds(7, new[] { 9, 8 }, 4), Load(folder.Path).SpecialTokens);

        File.Delete(folder.File("generation_config.json"));
        File.WriteAllText(folder.File("config.json"), File.ReadAllText(folder.File("config.json"))
            .Replace("\"bos_token_id\": 1,", "").Replace("\"eos_token_id\": [\n    2,\n    3\n  ],", ""));
        Assert.Equal(new SpecialTokenIds(1, new[] { 2 }, null), Load(folder.Path).SpecialTokens); // LlamaConfig's defaults

        using var qwen3 = HookedTransformer.CreateRandom(TinyDecoderFolders.Qwen3Config.Replace("\"eos_token_id\": 511", "\"pad_token_id\": 5"), seed: 1);
        Assert.Equal(new SpecialTokenIds(null, System.Array.Empty<int>(), 5), qwen3.SpecialTokens); // Qwen3Config has none
        Assert.Equal(5, qwen3.SpecialTokens.PaddingId);

        static HookedTransformer Load(string path)
        {
            var model = HookedTransformer.Load(path);
            model.Dispose();
            return model;
        }
    }

    [Fact]
    public void Generation_stops_at_any_eos_the_files_list()
    {
        using var folder = new TempDirectory();
        using (var llama = HookedTransformer.CreateRandom(TinyDecoderFolders.LlamaConfig, seed: 1)) llama.Save(folder.Path);
        int[] prompt = { 40, 92, 68 };
        int firstToken;
        using (var model = HookedTransformer.Load(folder.Path))
            firstToken = model.Generate(new[] { prompt }, new GenerationOptions { MaxNewTokens = 1, StopTokens = System.Array.Empty<int>() })[0].NewIds[0];

        File.WriteAllText(folder.File("generation_config.json"), $$"""{ "eos_token_id": [{{(firstToken + 1) % 512}}, {{firstToken}}] }""");
        using var stopping = HookedTransformer.Load(folder.Path);
        var result = stopping.Generate(new[] { prompt }, GenerationOptions.Greedy(5))[0];
        Assert.Empty(result.NewIds);
        Assert.Equal(StopReason.StopToken, result.StopReason);
    }

    [Fact]
    public void A_folder_without_tokenizer_files_loads_for_ids_and_text_apis_say_what_is_missing()
    {
        using var folder = new TempDirectory();
        using (var qwen2 = HookedTransformer.CreateRandom(TinyDecoderFolders.Qwen2Config, seed: 1)) qwen2.Save(folder.Path);
        using var model = HookedTransformer.Load(folder.Path);
        Assert.False(model.HasTokenizer);
        var generated = model.Generate(new[] { new[] { 4, 5, 6 } }, new GenerationOptions { MaxNewTokens = 2, StopTokens = System.Array.Empty<int>() })[0];
        Assert.Equal(2, generated.NewIds.Count);
        Assert.Equal("", generated.Text);
        var error = Assert.Throws<SteeringException>(() => model.Forward("hello"));
        Assert.Equal($"no tokenizer in {folder.Path}: looked for tokenizer.json, tokenizer.model, and vocab.json + merges.txt", error.Message);
    }

    [Fact]
    public void Random_initialization_follows_hugging_face_and_is_seeded()
    {
        using var scope = NewDisposeScope();
        using var first = HookedTransformer.CreateRandom(TinyDecoderFolders.TiedLlamaConfig, seed: 4);
        using var second = HookedTransformer.CreateRandom(TinyDecoderFolders.TiedLlamaConfig, seed: 4);
        foreach (var ((name, a), (_, b)) in first.NamedParameters().Zip(second.NamedParameters()))
        {
            TensorAssert.Equal(a, b);
            if (name.EndsWith(".bias", System.StringComparison.Ordinal)) Assert.Equal(0.0, a.abs().max().item<float>());
            else if (name.EndsWith("norm.weight", System.StringComparison.Ordinal)) TensorAssert.Equal(ones_like(a), a);
            else if (a.numel() > 1000) Assert.InRange(a.std().item<float>(), 0.018, 0.022); // initializer_range 0.02
        }
        var embedding = first.NamedParameters().First(p => p.Name == "model.embed_tokens.weight").Parameter;
        Assert.Equal(0.0, embedding[0].abs().max().item<float>()); // the padding row (pad_token_id 0)
    }

    [Fact]
    public void Bfloat16_compute_stays_close_to_float32()
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(ReferenceFamily.Qwen3), seed: 2, storeAs: ScalarType.BFloat16);
        using var full = HookedTransformer.Load(folder.Path);
        using var half = HookedTransformer.Load(folder.Path, new ModelLoadOptions { DType = ScalarType.BFloat16 });
        using var scope = NewDisposeScope();
        int[] ids = { 3, 9, 27, 81, 243 };
        var expected = full.Forward(full.TokenTensor(ids));
        var actual = half.Forward(half.TokenTensor(ids));
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        var error = (actual.to(ScalarType.Float32) - expected).abs().max().item<float>();
        Assert.True(error < 0.05 * expected.abs().max().item<float>(), $"bf16 error {error}");
    }

    [Theory]
    [InlineData(ReferenceFamily.Llama)]
    [InlineData(ReferenceFamily.Gemma2)] // grouped heads, sliding windows, a soft cap, query_pre_attn_scalar
    public void Bfloat16_kv_cached_decoding_stays_close_to_the_full_pass(ReferenceFamily family)
    {
        // bfloat16 decode steps run the attention kernel (rotary in bfloat16 as libtorch rounds it, scores in float32);
        // the full pass runs libtorch's. Both round differently, so they agree to bfloat16's precision, not exactly.
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(family), seed: 3, storeAs: ScalarType.BFloat16);
        using var model = HookedTransformer.Load(folder.Path, new ModelLoadOptions { DType = ScalarType.BFloat16 });
        using var scope = NewDisposeScope();
        int[] ids = { 3, 9, 27, 81, 243, 5, 15, 45, 135 };
        var full = model.Forward(model.TokenTensor(ids)).to(ScalarType.Float32);
        using var cache = model.CreateCache();
        model.Forward(model.TokenTensor(ids[..4]), cache: cache);
        for (var i = 4; i < ids.Length; i++)
        {
            var step = model.Forward(model.TokenTensor(ids[i..(i + 1)]), cache: cache).to(ScalarType.Float32);
            var expected = full.narrow(1, i, 1);
            var error = (step - expected).abs().max().item<float>();
            Assert.True(error < 0.05 * expected.abs().max().item<float>(), $"position {i}: bf16 error {error}");
        }
    }
}
