using System.IO;
using System.Linq;
using Steering.Cli.Commands;
using Steering.Cli.Demo;
using Steering.Schema;
using Steering.Vectors;
using Xunit.Abstractions;

namespace Steering.Cli.Tests;

/// <summary>
/// The demo model, as steer carries it (next to steer.dll): an ordinary Hugging Face folder, small, and steerable — the sentiment of
/// completions for subjects it never saw rises with +c·(Love − Hate) and falls with −c.
/// </summary>
public sealed class DemoModelTests(ITestOutputHelper log)
{
    private static string Folder => DemoCommand.DemoModelFolder;

    [Fact]
    public void It_is_a_small_ordinary_hugging_face_folder()
    {
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "TRAINING.md" })
            Assert.True(File.Exists(Path.Combine(Folder, file)), $"{file} is missing");
        var bytes = Directory.GetFiles(Folder).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes < 15_000_000, $"{bytes} bytes");
        using var model = HookedTransformer.Load(Folder);
        Assert.Equal("gpt2", model.Schema.Architecture);
        Assert.Empty(model.LoadWarnings);
        Assert.Equal(new[] { 40, 892, 6844, 389 }, model.Tokenizer.Encode("I think dogs are"));
    }

    [Fact]
    public void Love_minus_hate_moves_the_sentiment_of_unseen_subjects_monotonically()
    {
        using var model = HookedTransformer.Load(Folder);
        var hook = HookNames.Block(model.Dimensions.NLayers / 2, HookSites.ResidPre);
        using var vector = SteeringVector.FromContrast(model, hook, "Love", "Hate");
        var coefficients = new[] { -1.0, -0.5, 0.0, 0.5, 1.0 };
        var scores = coefficients.Select(c => SteeringSweep.Score(model, hook, vector.Values, c, samples: 6)).ToArray();

        var report = string.Join(", ", coefficients.Zip(scores, (c, s) => $"{c:+0.0;-0.0;0}: {s:F3}"));
        log.WriteLine($"sentiment score by coefficient at {hook}: {report}");
        for (var i = 1; i < scores.Length; i++)
            Assert.True(scores[i] > scores[i - 1], $"not increasing: {report}");
        // The unsteered model already leans positive (about +0.5), so there is less room above it than below.
        Assert.True(scores[^1] - scores[2] >= 0.2, $"+c does not clearly raise the score: {report}");
        Assert.True(scores[2] - scores[0] >= 0.6, $"-c does not clearly lower the score: {report}");
    }
}
