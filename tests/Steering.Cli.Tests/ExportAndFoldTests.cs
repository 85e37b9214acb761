using System.IO;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Editing;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class ExportAndFoldTests(TinyModelFixture tiny)
{
    private static readonly long[] Ids = [464, 3290, 389, 257, 1049];

    private string Vector(long seed, string? hook = null) => tiny.WriteVector(randn(32, generator: new Generator((ulong)seed)), hook);

    private static Tensor Logits(HookedTransformer model)
    {
        using var noGrad = no_grad();
        return model.Forward(tensor(Ids).reshape(1, -1));
    }

    [Fact]
    public void Fold_writes_a_model_folder_that_runs_steered_without_hooks()
    {
        using var scope = NewDisposeScope();
        var love = Vector(1);
        var control = tiny.NewFile("cv.gguf");
        Steer.Ok("export", tiny.ModelDir, "--format", "control-vector", "--add", $"blocks.1.resid_post={Vector(2)}*0.5", "--out", control);
        var output = tiny.NewFile("folded");

        var run = Steer.Ok("fold", tiny.ModelDir, "--add", $"blocks.0.attn_out={love}*3", "--add", $"all={control}*2", "--out", output);
        Assert.Contains("folded: blocks.1.resid_post x 2", run.OutLines);

        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        using var folded = HookedTransformer.Load(output);
        using var original = tiny.Load();
        using var loveVector = SteeringVector.Load(love);
        using var direction = ControlVector.Read(control);
        Tensor expected;
        using (original.Hooks.CreateScope().AddVector("blocks.0.attn_out", loveVector.Values, 3)
            .AddVector("blocks.1.resid_post", direction.Directions[1], 2))
            expected = Logits(original);
        Assert.True(expected.allclose(Logits(folded), rtol: 0, atol: 1e-5));
        Assert.False(expected.allclose(Logits(original), rtol: 0, atol: 1e-2));
    }

    [Fact]
    public void Fold_refuses_points_that_do_not_fold_and_leaves_no_folder()
    {
        var output = tiny.NewFile("never");
        var error = Steer.Fails("fold", tiny.ModelDir, "--add", $"embed={Vector(3)}", "--out", output);
        Assert.Contains("tied to the output layer", error);
        Assert.False(Directory.Exists(output));
        Assert.Contains("is the model folder itself", Steer.Fails("fold", tiny.ModelDir, "--add", $"ln_final={Vector(3)}", "--out", tiny.ModelDir));
        Assert.Contains("at least one --add", Steer.Fails("fold", tiny.ModelDir, "--out", output));
    }

    [Fact]
    public void Export_writes_a_gguf_model_with_llama_cpp_names()
    {
        var output = tiny.NewFile("tiny.q8_0.gguf");
        Steer.Ok("export", tiny.ModelDir, "--format", "gguf", "--dtype", "q8_0", "--add", $"blocks.1.mlp_out={Vector(4)}", "--out", output);
        using var file = GgufFile.Open(output);
        Assert.Equal("gpt2", file.Architecture);
        Assert.Equal(7L, file.Metadata["general.file_type"].AsInteger());
        Assert.Equal(2L, file.Metadata["gpt2.block_count"].AsInteger());
        Assert.Equal(50257, file.Metadata["tokenizer.ggml.tokens"].Count);
        Assert.Equal(4 + (12 * 2), file.Tensors.Count);
        Assert.Equal(GgmlType.Q8_0, file.GetTensor("blk.0.attn_qkv.weight").Type);
        Assert.Equal([32L, 96L], file.GetTensor("blk.0.attn_qkv.weight").Dimensions);
        Assert.Equal(GgmlType.F32, file.GetTensor("blk.0.attn_qkv.bias").Type);
        Assert.Equal(GgmlType.F32, file.GetTensor("position_embd.weight").Type);
        Assert.False(file.Contains("output.weight")); // tied: llama.cpp reuses token_embd
    }

    [Fact]
    public void Export_writes_a_control_vector_and_refuses_what_llama_cpp_cannot_express()
    {
        var output = tiny.NewFile("love.gguf");
        var run = Steer.Ok("export", tiny.ModelDir, "--format", "control-vector", "--add", $"blocks.1.resid_post={Vector(5)}*4", "--out", output);
        Assert.Contains("direction.1: blocks.1.resid_post", run.OutLines);
        using (var vector = ControlVector.Read(output)) Assert.Equal([1], vector.Directions.Keys);

        var refused = tiny.NewFile("refused.gguf");
        Assert.Contains("no slot for layer 0", Steer.Fails("export", tiny.ModelDir, "--format", "control-vector", "--add", $"blocks.0.resid_post={Vector(6)}", "--out", refused));
        Assert.Contains("only at blocks.N.resid_post", Steer.Fails("export", tiny.ModelDir, "--format", "control-vector", "--add", $"blocks.1.attn_out={Vector(6)}", "--out", refused));
        Assert.Contains("only as f32", Steer.Fails("export", tiny.ModelDir, "--format", "control-vector", "--dtype", "q8_0", "--add", $"blocks.1.resid_post={Vector(6)}", "--out", refused));
        Assert.Contains("--format onnx is not known", Steer.Fails("export", tiny.ModelDir, "--format", "onnx", "--out", refused));
        Assert.False(File.Exists(refused));
    }

    [Fact]
    public void Generate_and_trace_take_a_control_vector_where_a_vector_goes()
    {
        var vector = Vector(7);
        var control = tiny.NewFile("cv.gguf");
        Steer.Ok("export", tiny.ModelDir, "--format", "control-vector", "--add", $"blocks.1.resid_post={vector}", "--out", control);

        Tensor Traced(string add)
        {
            var path = tiny.NewFile("trace.safetensors");
            Steer.Ok("trace", tiny.ModelDir, "--ids", "464,3290,389", "--hooks", "blocks.1.resid_post", "--add", add, "--out", path);
            using var file = SafetensorsFile.Open(path);
            return file.Load("logits");
        }

        using var scope = NewDisposeScope();
        var fromSafetensors = Traced($"blocks.1.resid_post={vector}*2");
        Assert.True(fromSafetensors.allclose(Traced($"all={control}*2"), rtol: 0, atol: 1e-6));
        Assert.True(fromSafetensors.allclose(Traced($"blocks.1.resid_post={control}*2"), rtol: 0, atol: 1e-6));
        Assert.Contains("only at blocks.N.resid_post", Steer.Fails("generate", tiny.ModelDir, "--ids", "464", "--add", $"blocks.0.attn_out={control}"));
        Assert.Contains("only a llama.cpp control vector", Steer.Fails("generate", tiny.ModelDir, "--ids", "464", "--add", $"all={vector}"));
    }
}
