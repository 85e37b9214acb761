using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Models.Gpt2;
using Steering.Tests.Support;
using Steering.Tokenization;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>Loading real Hugging Face layouts, and a clear error for every kind of broken folder.</summary>
public sealed class Gpt2LoadingTests
{
    private static readonly int[] Prompt = { 40, 892, 6844, 389 };

    [Theory]
    [InlineData(ScalarType.Float16, 2e-2)]
    [InlineData(ScalarType.BFloat16, 1e-1)]
    public void Half_precision_checkpoints_load_into_float32(ScalarType storeAs, double tolerance)
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = TinyGpt2.Create();
        original.Save(folder.Path, storeAs);
        using var loaded = HookedTransformer.Load(folder.Path);
        Assert.Equal(ScalarType.Float32, loaded.DType);
        TensorAssert.Close(original.Forward(original.TokenTensor(Prompt)), loaded.Forward(loaded.TokenTensor(Prompt)), tolerance);
    }

    [Theory]
    [InlineData(ScalarType.Float16, 5e-2)]
    [InlineData(ScalarType.BFloat16, 2e-1)]
    public void A_model_computes_in_half_precision_when_asked(ScalarType dtype, double tolerance)
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        TinyGpt2.Write(folder.Path);
        using var full = HookedTransformer.Load(folder.Path);
        using var half = HookedTransformer.Load(folder.Path, new ModelLoadOptions { DType = dtype });
        Assert.Equal(dtype, half.DType);
        var logits = half.Forward(half.TokenTensor(Prompt));
        Assert.Equal(dtype, logits.dtype);
        TensorAssert.Close(full.Forward(full.TokenTensor(Prompt)), logits, tolerance);
    }

    [Fact]
    public void The_hub_layout_without_prefix_sharded_and_with_old_buffers_loads_the_same()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = TinyGpt2.Create();
        // As the hub's gpt2 files are: names without "transformer.", the causal-mask buffers, and here in 3 shards.
        var tensors = original.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)).ToList();
        tensors.Add(new("h.0.attn.bias", ones(1, 1, 64, 64).tril()));
        tensors.Add(new("h.0.attn.masked_bias", tensor(-1e4f)));
        tensors.Add(new("lm_head.weight", original.NamedParameters().First(p => p.Name == "wte.weight").Parameter));
        tensors.Add(new("h.0.attn.rotary_extra", zeros(3)));
        CheckpointWeights.Save(folder.Path, tensors, maxShardBytes: 200_000);
        File.WriteAllText(folder.File("config.json"), original.Config.ToJson());
        TextTokenizer.Gpt2.SaveTo(folder.Path); // a folder without tokenizer files is an error
        Assert.True(File.Exists(folder.File("model.safetensors.index.json")));

        using var loaded = HookedTransformer.Load(folder.Path);
        TensorAssert.Equal(original.Forward(original.TokenTensor(Prompt)), loaded.Forward(loaded.TokenTensor(Prompt)));
        var warning = Assert.Single(loaded.LoadWarnings);
        Assert.Contains("h.0.attn.rotary_extra", warning);
    }

    [Fact]
    public void A_missing_folder_or_config_is_named()
    {
        using var folder = new TempDirectory();
        var noFolder = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.File("nope")));
        Assert.Contains("no such model folder", noFolder.Message);
        var noConfig = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path));
        Assert.Contains("config.json", noConfig.Message);
    }

    [Theory]
    [InlineData("{ \"model_type\": \"gpt2\", ", "malformed JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{ \"n_layer\": 2 }", "model_type")]
    [InlineData("{ \"model_type\": \"bert\" }", "\"bert\" is not supported")]
    [InlineData("{ \"model_type\": \"gpt2\", \"n_layer\": \"two\" }", "\"n_layer\" must be a whole number")]
    [InlineData("{ \"model_type\": \"gpt2\", \"n_layer\": -1 }", "must be positive")]
    [InlineData("{ \"model_type\": \"gpt2\", \"n_embd\": 30, \"n_head\": 4 }", "not a multiple")]
    [InlineData("{ \"model_type\": \"gpt2\", \"activation_function\": \"mish\" }", "\"mish\" is not supported")]
    public void A_malformed_config_is_one_clear_error(string json, string expected)
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("config.json"), json);
        var error = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path));
        Assert.Contains(expected, error.Message);
        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void Missing_weights_and_missing_tensors_are_named()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = TinyGpt2.Create();
        File.WriteAllText(folder.File("config.json"), original.Config.ToJson());
        TextTokenizer.Gpt2.SaveTo(folder.Path);
        Assert.Contains("model.safetensors", Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path)).Message);

        var partial = original.NamedParameters().Where(p => !p.Name.StartsWith("h.1.mlp", System.StringComparison.Ordinal))
            .Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter));
        CheckpointWeights.Save(folder.Path, partial);
        var missing = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path));
        Assert.Contains("missing 4 tensor(s)", missing.Message);
        Assert.Contains("h.1.mlp.c_fc.weight", missing.Message);
    }

    [Fact]
    public void A_config_far_larger_than_its_weights_fails_before_allocating()
    {
        using var folder = new TempDirectory();
        TinyGpt2.Write(folder.Path);
        File.WriteAllText(folder.File("config.json"), new Gpt2Config { NLayer = 100_000, NEmbd = 4096, NHead = 32, NInner = 16384 }.ToJson());
        var error = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path));
        Assert.Contains("parameters, but the checkpoint holds", error.Message);
    }

    [Fact]
    public void The_parameter_count_from_the_config_is_the_models()
    {
        using var model = TinyGpt2.Create();
        Assert.Equal(model.Config.ParameterCount, model.ParameterCount);
        Assert.Equal(124_439_808, new Gpt2Config().ParameterCount); // gpt2 (small), as published
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_named()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = TinyGpt2.Create();
        var tensors = original.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name,
            p.Name == "h.0.ln_1.weight" ? ones(31) : p.Parameter));
        CheckpointWeights.Save(folder.Path, tensors);
        File.WriteAllText(folder.File("config.json"), original.Config.ToJson());
        TextTokenizer.Gpt2.SaveTo(folder.Path);
        var error = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path));
        Assert.Contains("'h.0.ln_1.weight' is [31]; the config needs [32]", error.Message);
    }

    [Fact]
    public void A_truncated_weights_file_is_a_clear_error()
    {
        using var folder = new TempDirectory();
        TinyGpt2.Write(folder.Path);
        var weights = folder.File("model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path));
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void The_schema_comes_from_config_json_alone()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("config.json"), new Gpt2Config { NLayer = 3, NEmbd = 48, NHead = 6, NInner = 96 }.ToJson());
        var schema = HookedTransformer.ReadSchema(folder.Path, "tiny");
        Assert.Equal(3, schema.Dimensions.NLayers);
        Assert.Equal(8, schema.Dimensions.DHead);
        Assert.Equal(2 + 3 * 15 + 1, schema.HookPoints.Count); // embed, pos_embed, 15 sites a block, ln_final
        Assert.Equal(new[] { 6, 8 }, schema.Find("blocks.2.attn.hook_z")!.VectorShapeIn(schema.Dimensions));
    }

    [Fact]
    public void Out_of_range_ids_and_too_long_sequences_are_clear_errors()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        Assert.Contains("outside the vocabulary", Assert.Throws<SteeringException>(() => model.Forward(model.TokenTensor(new[] { 50257 }))).Message);
        Assert.Contains("context is 64", Assert.Throws<SteeringException>(() => model.Forward(model.TokenTensor(Enumerable.Repeat(1, 65).ToArray()))).Message);
        Assert.Contains("no tokens", Assert.Throws<SteeringException>(() => model.Generate(new[] { System.Array.Empty<int>() })).Message);
    }
}
