using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Steering.Cli.Commands;
using Steering.Evaluation;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class CalibrateAndSweepTests(TinyModelFixture tiny)
{
    private static readonly string[] Prompts = { "I think violins are", "My neighbour said the robots were", "The pancakes at the fair are" };

    private string PromptFile(params string[] lines)
    {
        var path = tiny.NewFile("prompts.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    private string DemoVector(string hook)
    {
        using var model = HookedTransformer.Load(DemoCommand.DemoModelFolder);
        using var vector = SteeringVector.FromContrast(model, hook, "Love", "Hate");
        var path = tiny.NewFile("love.safetensors");
        vector.Save(path);
        return path;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("95")]
    public void Calibrate_prints_a_coefficient_at_which_the_demo_model_reaches_kl_1(string? percentile)
    {
        var vector = DemoVector("blocks.2.resid_pre");
        var prompts = PromptFile(Prompts);
        var args = new[] { "calibrate", DemoCommand.DemoModelFolder, "--add", $"blocks.2.resid_pre={vector}", "--prompts", prompts, "--kl", "1" };
        var run = Steer.Ok(percentile is null ? args : [.. args, "--percentile", percentile]);
        var coefficient = double.Parse(run.Field("coefficient"), CultureInfo.InvariantCulture);
        Assert.True(coefficient > 0, run.ToString());

        // Measured again: the prompts' KL at that coefficient is 1 within the default tolerance (2%).
        using var model = HookedTransformer.Load(DemoCommand.DemoModelFolder);
        using var loaded = SteeringVector.Load(vector);
        using var probe = KlProbe.FromText(model, Prompts);
        var kl = probe.Measure(CoefficientSteering.AddVector(model, "blocks.2.resid_pre", loaded.Values), coefficient);
        var measured = percentile is null ? kl.Mean : kl.Percentile(95);
        Assert.True(Math.Abs(measured - 1) <= 0.021, $"{measured}\n{run}");
        Assert.StartsWith(percentile is null ? "mean KL: " : "95th-percentile KL: ", run.OutLines[1]);
    }

    [Fact]
    public void Calibrate_reaches_a_log_prob_shift_among_negative_coefficients()
    {
        var vector = DemoVector("blocks.1.resid_pre");
        var prompts = PromptFile("I think dogs are", "Honestly, owls are");
        var completions = PromptFile(" awful", " horrible");
        var run = Steer.Ok("calibrate", DemoCommand.DemoModelFolder, "--add", $"blocks.1.resid_pre={vector}", "--prompts", prompts,
            "--log-prob-shift", "0.5", "--completions", completions, "--negative");
        Assert.True(double.Parse(run.Field("coefficient"), CultureInfo.InvariantCulture) < 0, run.ToString());
        var shift = double.Parse(run.Field("mean log-probability shift").Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(shift - 0.5) <= 0.01, run.ToString());
    }

    [Fact]
    public void Calibrate_rejects_bad_input_with_one_line()
    {
        using var values = ones(32);
        var vector = tiny.WriteVector(values);
        var prompts = PromptFile(Prompts);
        string[] Args(params string[] more) => ["calibrate", tiny.ModelDir, .. more];

        Assert.Contains("holds no text", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", PromptFile("", "  "), "--kl", "1")));
        Assert.Contains("no such file", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", "missing.txt", "--kl", "1")));
        Assert.Contains("--kl NaN is not a positive finite number", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", prompts, "--kl", "NaN")));
        Assert.Contains("--kl -1 is not a positive finite number", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", prompts, "--kl=-1")));
        Assert.Contains("give one target", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", prompts)));
        Assert.Contains("--percentile goes with --kl", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", prompts, "--kl", "1", "--percentile", "101")));
        Assert.Contains("blocks.9.resid_pre", Steer.Fails(Args("--add", $"blocks.9.resid_pre={vector}", "--prompts", prompts, "--kl", "1")));
        Assert.Contains("give one completion per prompt", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", prompts,
            "--log-prob-shift", "1", "--completions", PromptFile(" a"))));
        // The random tiny model's KL saturates far below 5: unreachable, said plainly.
        Assert.Contains("does not reach 5", Steer.Fails(Args("--add", $"blocks.0.resid_pre={vector}", "--prompts", prompts, "--kl", "5", "--max-coefficient", "16")));
    }

    [Fact]
    public void Sweep_prints_and_writes_a_table_and_a_plot()
    {
        using var values = randn(32, generator: new TorchSharp.torch.Generator(4));
        var vector = tiny.WriteVector(values);
        var prompts = PromptFile(Prompts);
        var neutral = PromptFile("The train leaves at nine in the morning.");
        var csv = tiny.NewFile("table.csv");
        var plot = tiny.NewFile("sweep.svg");

        var run = Steer.Ok("sweep", tiny.ModelDir, "--vector", vector, "--hooks", "blocks.{0..1}.hook_resid_pre", "--coefficients", "-4,0,4",
            "--prompts", prompts, "--score", "sentiment", "-n", "3", "--neutral", neutral, "--out", csv, "--plot", plot);

        Assert.Equal("point              coefficient         effect        kl_mean         kl_p95     perplexity", run.OutLines[0]);
        Assert.Equal(6, run.OutLines.Count(l => l.StartsWith("blocks.", StringComparison.Ordinal)));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("point,coefficient,effect,kl_mean,kl_p95,perplexity", lines[0]);
        Assert.Equal(new[] { "blocks.0.resid_pre,-4", "blocks.0.resid_pre,0", "blocks.0.resid_pre,4", "blocks.1.resid_pre,-4", "blocks.1.resid_pre,0", "blocks.1.resid_pre,4" },
            lines[1..].Select(l => string.Join(',', l.Split(',')[..2])));
        Assert.Equal("0", lines[2].Split(',')[3]); // no KL unsteered
        Assert.Contains("blocks.1.resid_pre", File.ReadAllText(plot));
    }

    [Fact]
    public void Sweep_rejects_bad_input_with_one_line()
    {
        using var values = ones(32);
        var vector = tiny.WriteVector(values);
        var prompts = PromptFile(Prompts);
        string[] Args(string hooks, string coefficients, params string[] more) =>
            ["sweep", tiny.ModelDir, "--vector", vector, "--hooks", hooks, "--coefficients", coefficients, "--prompts", prompts, .. more];

        Assert.Contains("no hook point 'blocks.2.resid_pre'", Steer.Fails(Args("blocks.{1..2}.resid_pre", "1")));
        Assert.Contains("'x' is not a finite number", Steer.Fails(Args("blocks.0.resid_pre", "1,x")));
        Assert.Contains("is not a range of", Steer.Fails(Args("blocks.{0..z}.resid_pre", "1")));
        Assert.Contains("must end in .png or .svg", Steer.Fails(Args("blocks.0.resid_pre", "1", "--plot", "sweep.pdf")));
        Assert.Contains("--score vibes is not a scorer steer knows; it knows sentiment", Steer.Fails(Args("blocks.0.resid_pre", "1", "--score", "vibes")));
        Assert.Contains("shape", Steer.Fails(Args("blocks.0.attn.q", "1")));
    }
}
