using System;
using System.Linq;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Schema;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Tests.Vectors;

public sealed class ControlVectorTests : IDisposable
{
    private static readonly ModelDimensions Dimensions = new(32, 4, 4, 4, 8, 128, 50257, 64);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("blocks.1.resid_post", 1)]
    [InlineData("blocks.3.hook_resid_post", 3)]
    [InlineData("blocks.2.resid_pre", 1)]
    public void Residual_points_map_to_llama_cpp_layers(string hook, int layer) => Assert.Equal(layer, ControlVector.LayerOf(hook));

    [Theory]
    [InlineData("blocks.0.resid_post", "no slot for layer 0")]
    [InlineData("blocks.1.resid_pre", "no slot for layer 0")]
    [InlineData("blocks.0.resid_pre", "embedding output")]
    [InlineData("blocks.2.attn_out", "only at blocks.N.resid_post")]
    [InlineData("ln_final", "only at blocks.N.resid_post")]
    public void Other_points_are_refused_with_the_reason(string hook, string reason) =>
        Assert.Contains(reason, Assert.Throws<SteeringException>(() => ControlVector.LayerOf(hook)).Message);

    [Fact]
    public void A_written_control_vector_is_the_file_llama_cpp_reads()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("cv.gguf");
        var a = randn(32, generator: new Generator(1));
        var b = randn(32, generator: new Generator(2));
        using (var vector = ControlVector.FromAdditions(
            [new("blocks.3.resid_post", a, 2.0), new("blocks.2.resid_pre", b), new("blocks.1.resid_post", b, -1.0)], Dimensions, "gpt2"))
            vector.Write(path);

        using (var file = GgufFile.Open(path))
        {
            Assert.Equal(["general.architecture", "controlvector.model_hint", "controlvector.layer_count"], file.Metadata.Keys);
            Assert.Equal("controlvector", file.Architecture);
            Assert.Equal("gpt2", file.Metadata["controlvector.model_hint"].AsString());
            Assert.Equal(2L, file.Metadata["controlvector.layer_count"].AsInteger());
            Assert.Equal(["direction.1", "direction.3"], file.Tensors.Select(t => t.Name));
            Assert.All(file.Tensors, t => Assert.Equal(GgmlType.F32, t.Type));
            // blocks.2.resid_pre and blocks.1.resid_post are one tensor: b - b = 0 at layer 1.
            TensorAssert.Close(zeros(32), file.Load("direction.1"), 1e-6);
            TensorAssert.Close(a * 2, file.Load("direction.3"), 1e-6);
        }

        using var read = ControlVector.Read(path, Dimensions);
        Assert.Equal("gpt2", read.ModelHint);
        Assert.Equal(["blocks.1.resid_post", "blocks.3.resid_post"], read.ToAdditions().Select(x => x.HookName));
        var layout = read.ToAdapterLayout(4);
        Assert.Equal(3 * 32, layout.Length);
        Assert.Equal((a * 2).data<float>().ToArray(), layout[64..]);
        Assert.All(layout[32..64], v => Assert.Equal(0f, v));
    }

    private string Write(Action<GgufWriter> build, string name = "bad.gguf")
    {
        var writer = new GgufWriter().Add("general.architecture", "controlvector");
        build(writer);
        var path = _temp.File(name);
        writer.Write(path);
        return path;
    }

    [Fact]
    public void Bad_control_vectors_are_refused_with_the_reason()
    {
        using var scope = NewDisposeScope();
        string Fails(string path) => Assert.Throws<CheckpointException>(() => ControlVector.Read(path, Dimensions).Dispose()).Message;

        Assert.Contains("direction.0", Fails(Write(w => w.AddTensor("direction.0", zeros(32), GgmlType.F32))));
        Assert.Contains("n_embd does not fit", Fails(Write(w => w.AddTensor("direction.1", zeros(64), GgmlType.F32))));
        Assert.Contains("the model has 4 blocks", Fails(Write(w => w.AddTensor("direction.4", zeros(32), GgmlType.F32))));
        Assert.Contains("1-D F32", Fails(Write(w => w.AddTensor("direction.1", zeros(32), GgmlType.F16))));
        Assert.Contains("only direction.N", Fails(Write(w => w.AddTensor("token_embd.weight", zeros(32), GgmlType.F32))));
        Assert.Contains("holds no direction", Fails(Write(_ => { })));
        Assert.Contains("the other directions have 32", Fails(Write(w =>
            w.AddTensor("direction.1", zeros(32), GgmlType.F32).AddTensor("direction.2", zeros(64), GgmlType.F32))));

        var model = _temp.File("model.gguf");
        new GgufWriter().Add("general.architecture", "gpt2").AddTensor("direction.1", zeros(32), GgmlType.F32).Write(model);
        Assert.Contains("not a control vector", Fails(model));
    }

    [Fact]
    public void Control_vectors_need_additions_that_fit_the_model()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("past the model's last block", Assert.Throws<SteeringException>(() =>
            ControlVector.FromAdditions([new("blocks.4.resid_post", zeros(32))], Dimensions, null)).Message);
        Assert.Contains("needs [32]", Assert.Throws<SteeringException>(() =>
            ControlVector.FromAdditions([new("blocks.1.resid_post", zeros(31))], Dimensions, null)).Message);
        Assert.Contains("at least one", Assert.Throws<SteeringException>(() =>
            ControlVector.FromAdditions([], Dimensions, null)).Message);
    }
}
