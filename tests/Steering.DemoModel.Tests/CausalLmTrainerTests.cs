using System.Linq;
using Steering.Generation;
using Steering.Models.Gpt2;
using Steering.DemoModel.Training;

namespace Steering.DemoModel.Tests;

public sealed class CausalLmTrainerTests
{
    private static readonly Gpt2Config Tiny = new() { VocabSize = 50, NPositions = 16, NEmbd = 16, NLayer = 1, NHead = 2, NInner = 32 };

    /// <summary>A stream with a rule to learn: each token is the previous one plus one, modulo 50.</summary>
    private static readonly int[] Counting = Enumerable.Range(0, 2000).Select(i => i % 50).ToArray();

    private static TrainingOptions Options(int steps) => new() { Steps = steps, BatchSize = 4, SequenceLength = 12, WarmupSteps = 5, LearningRate = 1e-2, Seed = 3 };

    [Fact]
    public void Training_learns_a_simple_rule()
    {
        using var model = Gpt2Model.CreateRandom(Tiny, seed: 1);
        var report = CausalLmTrainer.Train(model, Counting, Options(150));
        Assert.True(report.FinalLoss < 0.5, $"final loss {report.FinalLoss}"); // from ln(50) ≈ 3.9
        Assert.Equal(new[] { 8, 9, 10, 11 }, model.Generate(new[] { new[] { 5, 6, 7 } }, GenerationOptions.Greedy(4))[0].NewIds);
        Assert.All(model.NamedParameters(), p => Assert.False(p.Parameter.requires_grad)); // an inference model again
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights()
    {
        using var first = Gpt2Model.CreateRandom(Tiny, seed: 1);
        using var second = Gpt2Model.CreateRandom(Tiny, seed: 1);
        CausalLmTrainer.Train(first, Counting, Options(10));
        CausalLmTrainer.Train(second, Counting, Options(10));
        foreach (var ((name, a), (_, b)) in first.NamedParameters().Zip(second.NamedParameters()))
            Assert.True(a.allclose(b, rtol: 0, atol: 0), $"{name} differs");
    }

    [Fact]
    public void Bad_settings_are_clear_errors()
    {
        using var model = Gpt2Model.CreateRandom(Tiny, seed: 1);
        Assert.Contains("exceeds the model's context", Assert.Throws<SteeringException>(() => CausalLmTrainer.Train(model, Counting, Options(1) with { SequenceLength = 17 })).Message);
        Assert.Contains("too few", Assert.Throws<SteeringException>(() => CausalLmTrainer.Train(model, Counting.Take(5).ToArray(), Options(1))).Message);
        Assert.Contains("outside the model's vocabulary", Assert.Throws<SteeringException>(() => CausalLmTrainer.Train(model, Counting.Append(50).ToArray(), Options(1))).Message);
    }
}
