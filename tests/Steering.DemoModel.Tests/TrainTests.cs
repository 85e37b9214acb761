using System;
using System.IO;
using System.Linq;
using Steering.Tests.Support;

namespace Steering.DemoModel.Tests;

public sealed class TrainTests
{
    [Fact]
    public void Training_writes_a_loadable_model_with_its_recipe()
    {
        using var folder = new TempDirectory();
        var output = Path.Combine(folder.Path, "model");
        var (code, stdout, stderr) = Run("--out", output, "--steps", "2");

        Assert.True(code == 0, stdout + stderr);
        Assert.StartsWith($"{DemoModelRecipe.Documents} documents", Field(stdout, "corpus"));
        Assert.StartsWith("2 steps", Field(stdout, "trained"));
        using var model = HookedTransformer.Load(output);
        Assert.Equal(DemoModelRecipe.Config.Dimensions, model.Dimensions);
        Assert.Equal(new[] { 40, 892, 6844, 389 }, model.Tokenizer.Encode("I think dogs are"));
        Assert.Contains("--seed 1 --steps 2 --threads 2", File.ReadAllText(Path.Combine(output, "TRAINING.md")));
    }

    [Fact]
    public void Nonsense_settings_are_one_line_errors()
    {
        var (code, _, stderr) = Run("--steps", "0");
        Assert.NotEqual(0, code);
        Assert.Equal("error: --steps must be at least 1", stderr.Trim());
    }

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = DemoModelApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string Field(string output, string key) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).First(l => l.StartsWith(key + ": ", StringComparison.Ordinal))[(key.Length + 2)..];
}
