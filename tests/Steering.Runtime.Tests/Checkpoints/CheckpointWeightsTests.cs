using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System;
using Steering.Checkpoints;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints;

public sealed class CheckpointWeightsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Four F32 tensors of 16, 16, 16 and 40 bytes, named so that ordinal order is a, b, c, d.</summary>
    private static Dictionary<string, Tensor> Model() => new()
    {
        ["d"] = arange(10, dtype: ScalarType.Float32),
        ["a"] = tensor(new[] { 1f, 2f, 3f, 4f }),
        ["c"] = tensor(new[] { -1f, -2f, -3f, -4f }),
        ["b"] = tensor(new[] { 0.5f, 0.25f, 0.125f, 0.0625f }),
    };

    [Fact]
    public void A_model_that_fits_is_saved_as_model_safetensors()
    {
        using var scope = NewDisposeScope();
        var model = Model();

        CheckpointWeights.Save(_temp.Path, model, metadata: new Dictionary<string, string> { ["source"] = "test" });

        Assert.Equal(["model.safetensors"], FileNames());
        using (var file = SafetensorsFile.Open(_temp.File("model.safetensors")))
        {
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal("test", file.Metadata["source"]);
        }
        using var weights = CheckpointWeights.Open(_temp.Path);
        Assert.Equal(_temp.Path, weights.Folder);
        Assert.Equal(["a", "b", "c", "d"], weights.Names);
        AssertWeights(model, weights);
    }

    [Fact]
    public void A_small_shard_limit_gives_hugging_face_shards_and_index()
    {
        using var scope = NewDisposeScope();
        var model = Model();

        CheckpointWeights.Save(_temp.Path, model, maxShardBytes: 32);

        // Greedy in name order: a+b fill 32 bytes; c starts a new shard; d (40 bytes) is larger than the limit, alone.
        Assert.Equal(
            ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"],
            FileNames());
        using (var index = JsonDocument.Parse(File.ReadAllBytes(_temp.File("model.safetensors.index.json"))))
        {
            Assert.Equal(88, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
            var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(new Dictionary<string, string?>
            {
                ["a"] = "model-00001-of-00003.safetensors",
                ["b"] = "model-00001-of-00003.safetensors",
                ["c"] = "model-00002-of-00003.safetensors",
                ["d"] = "model-00003-of-00003.safetensors",
            }, map);
        }

        using var weights = CheckpointWeights.Open(_temp.Path);
        Assert.Equal(["a", "b", "c", "d"], weights.Names);
        Assert.Equal(SafetensorsDType.F32, weights.GetEntry("d").DType);
        AssertWeights(model, weights);
    }

    [Fact]
    public void Saving_again_in_the_other_layout_removes_the_stale_files()
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(_temp.Path, Model());
        CheckpointWeights.Save(_temp.Path, Model(), maxShardBytes: 32);
        Assert.DoesNotContain("model.safetensors", FileNames());

        CheckpointWeights.Save(_temp.Path, Model(), maxShardBytes: 48); // two shards now: a+b+c, d
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"], FileNames());

        var replacement = new Dictionary<string, Tensor> { ["only"] = ones(1) };
        CheckpointWeights.Save(_temp.Path, replacement);
        Assert.Equal(["model.safetensors"], FileNames());
        using var weights = CheckpointWeights.Open(_temp.Path);
        Assert.Equal(["only"], weights.Names);
    }

    [Fact]
    public void StoreAs_applies_to_every_shard()
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(_temp.Path, Model(), maxShardBytes: 16, storeAs: ScalarType.Float16);

        using var weights = CheckpointWeights.Open(_temp.Path);
        Assert.All(weights.Names, n => Assert.Equal(SafetensorsDType.F16, weights.GetEntry(n).DType));
        Assert.Equal([-1f, -2f, -3f, -4f], weights.Load("c", ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void An_unknown_name_is_a_checkpoint_error()
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(_temp.Path, Model(), maxShardBytes: 32);
        using var weights = CheckpointWeights.Open(_temp.Path);

        Assert.False(weights.Contains("e"));
        var error = Assert.Throws<CheckpointException>(() => weights.Load("e"));
        Assert.Contains("no tensor named 'e' (the weights hold 4: 'a', 'b', 'c', 'd')", error.Message);
        Assert.Throws<CheckpointException>(() => weights.GetEntry("e"));
    }

    [Fact]
    public void A_folder_without_safetensors_weights_says_what_was_looked_for()
    {
        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_temp.Path));
        Assert.Equal(_temp.Path, error.Path);
        Assert.Contains("looked for model.safetensors and model.safetensors.index.json", error.Message);
        Assert.Contains(".bin pickles are not supported; convert them to safetensors", error.Message);

        File.WriteAllBytes(_temp.File("pytorch_model.bin"), [0x80, 0x02]);
        error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_temp.Path));
        Assert.Contains("found only pytorch_model.bin", error.Message);

        var missing = Path.Combine(_temp.Path, "nowhere");
        error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(missing));
        Assert.Contains("no such folder", error.Message);
    }

    public static TheoryData<string, string> BadIndexes() => new()
    {
        { "not json", "index is not valid JSON" },
        { "[]", "index is not a JSON object" },
        { """{"metadata": {}}""", "no \"weight_map\" object" },
        { """{"weight_map": {"a": 3}}""", "maps tensor 'a' to a non-string" },
        { """{"metadata": 1, "weight_map": {}}""", "\"metadata\" is not a JSON object" },
        { """{"weight_map": {"a": "model-00009-of-00009.safetensors"}}""", "shard 'model-00009-of-00009.safetensors' (holding tensor 'a') is missing" },
        { """{"weight_map": {"zzz": "model-00001-of-00002.safetensors"}}""", "maps tensor 'zzz' to shard 'model-00001-of-00002.safetensors', which does not hold it" },
        { """{"weight_map": {"a": "../model-00001-of-00002.safetensors"}}""", "a path outside the model folder" },
        { """{"weight_map": {"a": "sub/../../x.safetensors"}}""", "a path outside the model folder" },
        { """{"weight_map": {"a": "/etc/passwd"}}""", "an absolute path" },
        { """{"weight_map": {"a": "."}}""", "a path outside the model folder" },
        { """{"weight_map": {"a": ""}}""", "an empty or invalid file name" },
        { """{"weight_map": {"a": "model-00001-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}}""", "tensor 'a' appears twice" },
    };

    [Theory]
    [MemberData(nameof(BadIndexes))]
    public void A_bad_index_is_a_checkpoint_error_naming_it(string indexJson, string problem)
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(_temp.Path, Model(), maxShardBytes: 48);
        var index = _temp.File("model.safetensors.index.json");
        File.WriteAllText(index, indexJson);

        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_temp.Path));

        Assert.Equal(index, error.Path);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void A_corrupt_shard_is_reported_by_its_own_path()
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(_temp.Path, Model(), maxShardBytes: 48);
        var shard = _temp.File("model-00002-of-00002.safetensors");
        File.WriteAllBytes(shard, [1, 2, 3]);

        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_temp.Path));

        Assert.Equal(shard, error.Path);
    }

    private List<string> FileNames() =>
        [.. Directory.EnumerateFiles(_temp.Path).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    private static void AssertWeights(Dictionary<string, Tensor> expected, CheckpointWeights weights)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), weights.Names.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in expected)
        {
            Assert.True(weights.Contains(name));
            var loaded = weights.Load(name);
            Assert.Equal(tensor.shape, loaded.shape);
            Assert.Equal(tensor.data<float>().ToArray(), loaded.data<float>().ToArray());
        }
    }
}
