using System.Collections.Generic;
using Steering.Cli.Commands;
using Steering.Cli.Demo;
using Steering.Schema;
using Steering.Vectors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

/// <summary>
/// Every builder's vector, made from prompts that are not the ones it is judged on, moves the demo model's sentiment
/// the right way on subjects the model never saw: up with +c, down with −c. Vectors are scaled to the norm of
/// Love − Hate so one coefficient suits them all (PCA and probe vectors are unit vectors).
/// </summary>
public sealed class DemoModelBuilderTests(ITestOutputHelper log)
{
    private static readonly ContrastPair[] Pairs =
    {
        ("I love them", "I hate them"), ("They are wonderful", "They are awful"), ("What a lovely day", "What a horrible day"),
        ("She is kind", "She is cruel"), ("This is great", "This is terrible"), ("We adore it", "We despise it"),
        ("It was beautiful", "It was ugly"), ("so happy", "so miserable"),
    };

    private static readonly TrainingTarget[] Targets =
    {
        TrainingTarget.Plain("I think the weather is", " wonderful", " awful"),
        TrainingTarget.Plain("My neighbours are", " lovely", " nasty"),
        TrainingTarget.Plain("The food was", " great", " terrible"),
    };

    [Fact]
    public void Each_builders_vector_moves_sentiment_the_right_way_on_unseen_prompts()
    {
        using var model = HookedTransformer.Load(DemoCommand.DemoModelFolder);
        var hook = HookNames.Block(model.Dimensions.NLayers / 2, HookSites.ResidPre);
        using var loveHate = VectorBuilders.Diff("Love", "Hate").Build(model, hook);
        var norm = loveHate.Single.norm().item<float>();
        var builders = new (string Name, VectorBuilder Builder)[]
        {
            ("diff", VectorBuilders.Diff(Pairs[0].Positive, Pairs[0].Negative)),
            ("mean-diff", VectorBuilders.MeanDiff(Pairs)),
            ("pca", VectorBuilders.Pca(Pairs)),
            ("probe", VectorBuilders.Probe(Pairs)),
            ("gradient", VectorBuilders.Gradient(Targets, new GradientTrainingOptions { Steps = 20, LearningRate = 0.2, MaxNorm = norm })),
        };
        var baseline = SteeringSweep.Score(model, hook, loveHate.Single, 0, samples: 2);
        var failures = new List<string>();
        foreach (var (name, builder) in builders)
        {
            using var vectors = builder.Build(model, hook);
            using var scope = NewDisposeScope();
            var scaled = vectors.Single * (norm / vectors.Single.norm().item<float>());
            var up = SteeringSweep.Score(model, hook, scaled, 1, samples: 2);
            var down = SteeringSweep.Score(model, hook, scaled, -1, samples: 2);
            log.WriteLine($"{name}: -1 {down:F3}, 0 {baseline:F3}, +1 {up:F3}");
            if (!(up > baseline + 0.1 && down < baseline - 0.3)) failures.Add($"{name}: -1 {down:F3}, 0 {baseline:F3}, +1 {up:F3}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
