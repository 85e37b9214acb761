using System.Collections.Generic;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Tests.Vectors;

public sealed class SteeringVectorTests
{
    [Fact]
    public void A_contrast_vector_is_the_difference_of_the_last_token_activations()
    {
        using var model = TinyGpt2.Create();
        using var scope = NewDisposeScope();
        using var vector = SteeringVector.FromContrast(model, "blocks.1.hook_resid_pre", "Love", "Hate");
        Assert.Equal("blocks.1.resid_pre", vector.HookName);

        // "Love" is one token and "Hate" two: compare with the activations read directly.
        var (_, love) = model.RunWithCache("Love", "blocks.1.resid_pre");
        var (_, hate) = model.RunWithCache("Hate", "blocks.1.resid_pre");
        using (love)
        using (hate)
            TensorAssert.Close(love["blocks.1.resid_pre"][0, 0] - hate["blocks.1.resid_pre"][0, 1], vector.Values, 1e-6);
    }

    [Fact]
    public void A_vector_file_round_trips_with_its_hook_point()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using (var vector = SteeringVector.FromTensor(arange(4, ScalarType.Float32), "blocks.0.resid_post"))
            vector.Save(folder.File("v.safetensors"));
        using var loaded = SteeringVector.Load(folder.File("v.safetensors"));
        Assert.Equal("blocks.0.resid_post", loaded.HookName);
        TensorAssert.Equal(arange(4, ScalarType.Float32), loaded.Values);
    }

    [Fact]
    public void Bad_vector_files_name_the_file_and_the_problem()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        void Write(string name, params (string Name, Tensor Tensor)[] tensors) =>
            SafetensorsWriter.Write(folder.File(name), System.Linq.Enumerable.Select(tensors, t => new KeyValuePair<string, Tensor>(t.Name, t.Tensor)));
        Write("two.safetensors", ("a", ones(4)), ("b", ones(4)));
        Write("ints.safetensors", ("a", ones(4, ScalarType.Int64)));
        var nan = ones(4);
        nan[1] = tensor(float.NaN);
        Write("nan.safetensors", ("a", nan));

        Assert.Contains("holds 2 tensors", Assert.Throws<CheckpointException>(() => SteeringVector.Load(folder.File("two.safetensors"))).Message);
        Assert.Contains("must be floating point", Assert.Throws<CheckpointException>(() => SteeringVector.Load(folder.File("ints.safetensors"))).Message);
        var error = Assert.Throws<CheckpointException>(() => SteeringVector.Load(folder.File("nan.safetensors")));
        Assert.Contains("NaN", error.Message);
        Assert.Contains("nan.safetensors", error.Message);
    }
}
