using System.IO;
using System.Linq;
using System.Text.Json;
using Steering.Editing;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

/// <summary><c>steer info</c> and <c>steer schema</c> on a Llama-shaped folder without tokenizer files.</summary>
public sealed class RotaryFamilyCliTests
{
    [Fact]
    public void Info_names_the_family_and_lists_its_own_hook_points()
    {
        using var qwen3 = new TinyDecoderFolders.Qwen3();
        var run = Steer.Ok("info", qwen3.Path);
        Assert.Equal("qwen3", run.Field("architecture"));
        Assert.Equal("2", run.Field("n_kv_heads"));
        Assert.Equal("16", run.Field("d_head"));
        Assert.Equal("none", run.Field("tokenizer"));
        Assert.Equal("bos none, eos [511], pad none", run.Field("special_tokens"));
        Assert.Equal(qwen3.Model.ParameterCount.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Field("parameters"));
        var listed = run.OutLines.Where(l => l.StartsWith("  ", System.StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.Contains("blocks.1.attn.rot_q", listed);
        Assert.Contains("blocks.1.mlp.pre_linear", listed);
        Assert.DoesNotContain("pos_embed", listed);
    }

    [Fact]
    public void Schema_from_config_json_alone_carries_the_family_and_its_sizes()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("config.json"), TinyDecoderFolders.LlamaConfig);
        var run = Steer.Ok("schema", folder.Path, "--name", "tiny-llama");
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.Equal("llama", root.GetProperty("model").GetProperty("architecture").GetString());
        var dimensions = root.GetProperty("dimensions");
        Assert.Equal(4, dimensions.GetProperty("n_heads").GetInt32());
        Assert.Equal(2, dimensions.GetProperty("n_kv_heads").GetInt32());
        Assert.Equal(12, dimensions.GetProperty("d_head").GetInt32());
        var rotK = root.GetProperty("hook_points").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "blocks.0.attn.rot_k");
        Assert.Equal(new[] { "batch", "pos", "n_kv_heads", "d_head" }, rotK.GetProperty("dims").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public void Fold_of_a_plain_llama_writes_a_folder_with_the_bias_flag_it_needed_turned_on()
    {
        using var scope = NewDisposeScope();
        using var llama = new TinyDecoderFolders.Llama();
        using var scratch = new TempDirectory();
        var vector = randn(48, generator: new Generator(3));
        var vectorPath = scratch.File("vector.safetensors");
        using (var saved = SteeringVector.FromTensor(vector)) saved.Save(vectorPath);
        var output = scratch.File("folded");

        Steer.Ok("fold", llama.Path, "--add", $"blocks.0.mlp_out={vectorPath}*2", "--out", output);

        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json"))))
        {
            Assert.True(config.RootElement.GetProperty("mlp_bias").GetBoolean());
            Assert.False(config.RootElement.GetProperty("attention_bias").GetBoolean());
        }
        using var folded = HookedTransformer.Load(output);
        var ids = tensor(new long[] { 5, 17, 300, 42, 9 }).reshape(1, -1);
        using var noGrad = no_grad();
        Tensor expected;
        using (llama.Model.Hooks.CreateScope().AddVector("blocks.0.mlp_out", vector, 2)) expected = llama.Model.Forward(ids);
        var difference = (expected - folded.Forward(ids)).abs().max().item<float>();
        Assert.True(difference <= 1e-5, $"folded differs from hooked by {difference}");
    }

    [Fact]
    public void Trace_works_on_ids_without_a_tokenizer_and_text_says_what_is_missing()
    {
        using var mistral = new TinyDecoderFolders.Mistral();
        using var scratch = new TempDirectory();
        var output = scratch.File("trace.safetensors");
        Steer.Ok("trace", mistral.Path, "--ids", "4,5,6,7", "--hooks", "blocks.0.attn.rot_q,blocks.1.attn.hook_rot_k", "--out", output);
        using (var file = Steering.Checkpoints.SafetensorsFile.Open(output))
        {
            Assert.Equal(new long[] { 1, 4, 4, 12 }, file.GetEntry("blocks.0.attn.rot_q").Shape);
            Assert.Equal(new long[] { 1, 4, 1, 12 }, file.GetEntry("blocks.1.attn.rot_k").Shape);
        }
        var error = Steer.Fails("generate", mistral.Path, "--prompt", "Hello");
        Assert.Equal($"error: no tokenizer in {mistral.Path}: looked for tokenizer.json, tokenizer.model, and vocab.json + merges.txt", error);
    }
}
