using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Steering.Tests.Support;
using Steering.Vectors;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class VectorAndDemoTests(TinyModelFixture tiny)
{
    [Fact]
    public void Vector_saves_the_contrast_the_library_computes()
    {
        var output = tiny.NewFile("love.safetensors");
        var run = Steer.Ok("vector", tiny.ModelDir, "--hook", "blocks.1.hook_resid_pre", "--positive", "Love", "--negative", "Hate", "--out", output);

        using var model = tiny.Load();
        using var expected = SteeringVector.FromContrast(model, "blocks.1.resid_pre", "Love", "Hate");
        using var saved = SteeringVector.Load(output);
        Assert.Equal("blocks.1.resid_pre", saved.HookName);
        Assert.True(expected.Values.allclose(saved.Values, rtol: 0, atol: 1e-6));
        Assert.Equal("blocks.1.resid_pre", run.Field("hook"));
    }

    [Fact]
    public void Demo_on_a_model_folder_shows_three_completions_and_the_norm()
    {
        var run = Steer.Ok("demo", tiny.ModelDir, "--coefficient", "8", "-n", "4");
        Assert.StartsWith("Love - Hate at blocks.1.resid_pre, norm ", run.Field("vector"));
        var rows = run.OutLines.Where(l => l.Contains(": I think dogs are")).Select(l => l.Split(':')[0].Trim()).ToArray();
        Assert.Equal(new[] { "0", "+8", "-8" }, rows);
    }

    [Fact]
    public void Demo_without_arguments_runs_on_the_embedded_model_and_writes_the_sweep_plot()
    {
        using var folder = new TempDirectory();
        var plot = folder.File("sweep.svg");
        var run = Steer.Ok("demo", "-n", "3", "--plot", plot);
        Assert.StartsWith("tiny-sentiment (gpt2, 4 layers", run.Field("model"));
        Assert.StartsWith("Love - Hate at blocks.2.resid_pre", run.Field("vector"));
        Assert.Equal(3, run.OutLines.Count(l => l.Contains(": I think dogs are")));
        // Two tables of a row per coefficient: sentiment, then mean KL (0 unsteered).
        Assert.Equal(10, run.OutLines.Count(l => Regex.IsMatch(l, @"^\s+[-+]?[0-9.]+\s+([-+]?[0-9.]+\s*){4}$")));
        Assert.Contains(run.OutLines, l => l.StartsWith("mean KL divergence", System.StringComparison.Ordinal));
        Assert.Contains(run.OutLines, l => Regex.IsMatch(l, @"^\s+0\s+(0\.000\s*){4}$"));
        Assert.StartsWith("<?xml", File.ReadAllText(plot));
        Assert.Contains("blocks.3.resid_pre", File.ReadAllText(plot));
    }
}
