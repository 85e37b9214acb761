using System.IO;
using Steering.Cli.Demo;
using Steering.Tests.Support;

namespace Steering.Cli.Tests;

public sealed class TrainDemoTests
{
    [Fact]
    public void Train_demo_writes_a_loadable_model_with_its_recipe()
    {
        using var folder = new TempDirectory();
        var output = Path.Combine(folder.Path, "model");
        var run = Steer.Ok("train-demo", "--out", output, "--steps", "2");

        Assert.StartsWith($"{DemoModelRecipe.Documents} documents", run.Field("corpus"));
        Assert.StartsWith("2 steps", run.Field("trained"));
        using var model = HookedTransformer.Load(output);
        Assert.Equal(DemoModelRecipe.Config.Dimensions, model.Dimensions);
        Assert.Equal(new[] { 40, 892, 6844, 389 }, model.Tokenizer.Encode("I think dogs are"));
        Assert.Contains("--seed 1 --steps 2 --threads 2", File.ReadAllText(Path.Combine(output, "TRAINING.md")));
    }

    [Fact]
    public void Train_demo_rejects_nonsense_settings() =>
        Assert.Contains("--steps must be at least 1", Steer.Fails("train-demo", "--steps", "0"));
}
