using System;
using System.Linq;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Tests.Vectors;

/// <summary>Each builder against an independent computation on the same activations.</summary>
public sealed class VectorBuilderTests : IClassFixture<TinyGpt2Folder>
{
    private static readonly ContrastPair[] Pairs =
    {
        ("Love", "Hate"), ("I love dogs", "I hate dogs"), ("What a wonderful day", "What an awful day"),
        ("She is kind", "She is cruel"), ("The food was great", "The food was terrible"),
    };

    private static readonly string[] Points = { "blocks.0.resid_post", "blocks.1.resid_pre" };

    private readonly TinyGpt2Folder _tiny;

    public VectorBuilderTests(TinyGpt2Folder tiny)
    {
        _tiny = tiny;
        _ = tiny.Model; // loaded here, outside any test's dispose scope, which would free its weights
    }

    private HookedTransformer Model => _tiny.Model;

    /// <summary>Each prompt's last-token activation, read one prompt at a time: [pairs, d_model] positives and negatives.</summary>
    private (double[][] Positives, double[][] Negatives) ByHand(string point)
    {
        double[] Last(string text)
        {
            using var scope = NewDisposeScope();
            var (_, cache) = Model.RunWithCache(text, point);
            using (cache) return cache[point][0, -1].to(ScalarType.Float64).data<double>().ToArray();
        }
        return (Pairs.Select(p => Last(p.Positive.Text!)).ToArray(), Pairs.Select(p => Last(p.Negative.Text!)).ToArray());
    }

    [Fact]
    public void Mean_difference_is_the_average_of_the_hand_read_differences_at_every_point()
    {
        using var vectors = VectorBuilders.MeanDiff(Pairs).Build(Model, Points);
        Assert.Equal("mean-diff", vectors.Method);
        Assert.Equal(SchemaIdentity.Of(Model), vectors.ModelIdentity);
        foreach (var point in Points)
        {
            var (plus, minus) = ByHand(point);
            var expected = Enumerable.Range(0, plus[0].Length).Select(j => Enumerable.Range(0, Pairs.Length).Average(i => plus[i][j] - minus[i][j])).ToArray();
            using var scope = NewDisposeScope();
            TensorAssert.Close(tensor(expected), vectors[point], 1e-5);
        }
    }

    [Fact]
    public void Pca_is_the_first_principal_component_found_by_power_iteration_signed_towards_the_positives()
    {
        using var vectors = VectorBuilders.Pca(Pairs).Build(Model, Points);
        foreach (var point in Points)
        {
            var (plus, minus) = ByHand(point);
            var d = plus.Select((p, i) => p.Zip(minus[i], (a, b) => a - b).ToArray()).ToArray();
            var v = PowerIteration(d);
            var found = vectors[point].to(ScalarType.Float64).data<double>().ToArray();
            Assert.Equal(1.0, Math.Sqrt(found.Sum(x => x * x)), 6);
            var cosine = found.Zip(v, (a, b) => a * b).Sum();
            Assert.True(Math.Abs(cosine) > 1 - 1e-6, $"|cos| = {Math.Abs(cosine)} at {point}");
            // Positives project above their negatives in most pairs.
            var above = d.Count(row => row.Zip(found, (a, b) => a * b).Sum() > 0);
            Assert.True(above * 2 >= d.Length, $"only {above} of {d.Length} pairs project positively at {point}");
        }
    }

    /// <summary>The top eigenvector of DᵀD by power iteration, in plain doubles.</summary>
    private static double[] PowerIteration(double[][] d)
    {
        var width = d[0].Length;
        var v = Enumerable.Range(0, width).Select(j => 1.0 + 0.01 * j).ToArray();
        for (var step = 0; step < 2000; step++)
        {
            var projections = d.Select(row => row.Zip(v, (a, b) => a * b).Sum()).ToArray();
            var next = new double[width];
            for (var i = 0; i < d.Length; i++)
                for (var j = 0; j < width; j++)
                    next[j] += projections[i] * d[i][j];
            var norm = Math.Sqrt(next.Sum(x => x * x));
            v = next.Select(x => x / norm).ToArray();
        }
        return v;
    }

    [Fact]
    public void A_probe_separates_separable_data_and_held_out_data()
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(5);
        var direction = randn(16, ScalarType.Float64, generator: generator);
        direction /= direction.norm();
        Tensor Sample(int count, long label) => randn(count, 16, ScalarType.Float64, generator: generator) + (label == 1 ? 2.5 : -2.5) * direction;
        var train = cat(new[] { Sample(100, 1), Sample(100, 0) });
        var labels = cat(new[] { ones(100, ScalarType.Float64), zeros(100, ScalarType.Float64) });
        var (weight, bias) = LinearProbe.Fit(train, labels);
        double Accuracy(Tensor x, Tensor y) => (x.matmul(weight) + bias).gt(0).to(ScalarType.Float64).eq(y).to(ScalarType.Float64).mean().item<double>();
        Assert.True(Accuracy(train, labels) >= 0.99, $"training accuracy {Accuracy(train, labels)}");
        var test = cat(new[] { Sample(100, 1), Sample(100, 0) });
        Assert.True(Accuracy(test, labels) >= 0.97, $"held-out accuracy {Accuracy(test, labels)}");
        var cosine = (weight / weight.norm()).dot(direction).item<double>();
        Assert.True(cosine > 0.9, $"the weights point {Math.Acos(cosine) * 180 / Math.PI:F0}° off the true direction");

        // On the model: a unit vector on which the positives score above the negatives.
        using var vectors = VectorBuilders.Probe(Pairs).Build(Model, Points);
        Assert.Equal("probe", vectors.Method);
        var (plus, minus) = ByHand(Points[0]);
        var w = vectors[Points[0]].to(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(1.0, Math.Sqrt(w.Sum(x => x * x)), 6);
        Assert.True(plus.Min(p => p.Zip(w, (a, b) => a * b).Sum()) > minus.Max(n => n.Zip(w, (a, b) => a * b).Sum()));
    }

    [Fact]
    public void A_trained_vector_lowers_its_loss_and_keeps_its_norm_limit()
    {
        var targets = new[]
        {
            TrainingTarget.Plain("I think dogs are", " wonderful", " awful"),
            TrainingTarget.Plain("The movie was", " wonderful"),
        };
        var trainer = new GradientVectorTrainer(targets, new GradientTrainingOptions { Steps = 12, LearningRate = 0.1, MaxNorm = 3 });
        using var vectors = trainer.Build(Model, "blocks.1.resid_pre");
        var before = trainer.Loss(Model, null);
        var after = trainer.Loss(Model, vectors);
        Assert.True(after < before - 0.1, $"loss {before:F4} → {after:F4}");
        Assert.True(trainer.LossHistory[^1] < trainer.LossHistory[0], string.Join(", ", trainer.LossHistory));
        Assert.True(vectors.Single.norm().item<float>() <= 3 + 1e-4);
        Assert.Equal("gradient", vectors.Method);
        Assert.False(vectors.Single.requires_grad);
        Assert.All(Model.NamedParameters(), p => Assert.False(p.Parameter.requires_grad));
    }

    [Fact]
    public void Empty_pair_sets_and_points_without_vectors_are_clear_errors()
    {
        Assert.Contains("at least one pair", Assert.Throws<SteeringException>(() => VectorBuilders.MeanDiff(Array.Empty<ContrastPair>())).Message);
        Assert.Contains("at least one target", Assert.Throws<SteeringException>(() => VectorBuilders.Gradient(Array.Empty<TrainingTarget>())).Message);
        Assert.Contains("not per-position", Assert.Throws<SteeringException>(() => VectorBuilders.MeanDiff(Pairs).Build(Model, "blocks.0.attn.scores")).Message);
    }
}
