using System.IO;
using System.Linq;
using System.Text.Json;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class InfoAndSchemaTests(TinyModelFixture tiny)
{
    [Fact]
    public void Info_reports_sizes_placement_parameters_and_hook_points()
    {
        var run = Steer.Ok("info", tiny.ModelDir);
        using var model = tiny.Load();

        Assert.Equal("gpt2", run.Field("architecture"));
        Assert.Equal(tiny.Config.NEmbd.ToString(), run.Field("d_model"));
        Assert.Equal(tiny.Config.NLayer.ToString(), run.Field("n_layers"));
        Assert.Equal(tiny.Config.NHead.ToString(), run.Field("n_heads"));
        Assert.Equal(tiny.Config.DHead.ToString(), run.Field("d_head"));
        Assert.Equal(tiny.Config.NInner.ToString(), run.Field("d_mlp"));
        Assert.Equal("50257", run.Field("d_vocab"));
        Assert.Equal(tiny.Config.NPositions.ToString(), run.Field("n_ctx"));
        Assert.Equal("float32", run.Field("dtype"));
        Assert.Equal("cpu", run.Field("device"));
        Assert.Equal(model.ParameterCount.ToString(), run.Field("parameters"));
        Assert.Equal(model.Tokenizer.Kind, run.Field("tokenizer"));
        Assert.Equal(model.Hooks.Count.ToString(), run.Field("hook_points"));

        var listed = run.OutLines.Where(l => l.StartsWith("  ")).Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.Equal(model.Hooks.Select(p => p.Name), listed);
        var residPost = run.OutLines.Single(l => l.Trim().StartsWith("blocks.0.resid_post "));
        Assert.Contains("[batch, pos, d_model]", residPost);
        Assert.Contains($"[*, *, {tiny.Config.NEmbd}]", residPost);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public void Info_loads_in_a_lower_precision_when_asked()
    {
        var run = Steer.Ok("info", tiny.ModelDir, "--dtype", "bfloat16");
        Assert.Equal("bfloat16", run.Field("dtype"));
    }

    [Fact]
    public void Schema_on_stdout_is_json_listing_every_hook_point_with_its_dims()
    {
        var run = Steer.Ok("schema", tiny.ModelDir, "--name", "tiny");
        using var model = tiny.Load();
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;

        Assert.Equal("tiny", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal(tiny.Config.NLayer, root.GetProperty("dimensions").GetProperty("n_layers").GetInt32());
        var points = root.GetProperty("hook_points").EnumerateArray()
            .Select(p => (Name: p.GetProperty("name").GetString(), Dims: p.GetProperty("dims").EnumerateArray().Select(d => d.GetString()).ToArray()))
            .ToList();
        Assert.Equal(model.Hooks.Count, points.Count);
        foreach (var (point, written) in model.Hooks.Zip(points))
        {
            Assert.Equal(point.Name, written.Name);
            Assert.Equal(point.Info.Dims.ToArray(), written.Dims);
        }
    }

    [Fact]
    public void Schema_needs_only_config_json_and_writes_the_file_asked_for()
    {
        var folder = Path.GetDirectoryName(tiny.NewFile("x"))!;
        var configOnly = Path.Combine(folder, "config-only-" + System.Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(configOnly);
        File.Copy(Path.Combine(tiny.ModelDir, "config.json"), Path.Combine(configOnly, "config.json"));
        var output = tiny.NewFile("schema.json");

        var run = Steer.Ok("schema", configOnly, "--out", output);

        Assert.Equal("", run.Out);
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        Assert.Equal(Path.GetFileName(configOnly), json.RootElement.GetProperty("model").GetProperty("name").GetString());
        Assert.Contains(json.RootElement.GetProperty("hook_points").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "blocks.1.attn.z");
    }

    [Fact]
    public void No_arguments_or_help_show_usage()
    {
        foreach (var args in new[] { System.Array.Empty<string>(), new[] { "--help" } })
        {
            var run = Steer.Ok(args);
            Assert.Contains("USAGE", run.Out);
            foreach (var command in new[] { "info", "generate", "trace", "schema", "vector", "demo" })
                Assert.Contains(command, run.Out);
        }
    }
}
