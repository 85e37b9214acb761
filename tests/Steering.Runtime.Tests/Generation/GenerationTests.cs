using System.Linq;
using Steering.Editing;
using Steering.Generation;
using Steering.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Tests.Generation;

public sealed class GenerationTests
{
    private static readonly int[] Prompt = { 40, 892, 6844, 389 };

    [Fact]
    public void The_same_seed_gives_the_same_text_and_another_seed_does_not()
    {
        using var model = TinyGpt2.Create();
        GenerationOptions Sampled(long seed) => new() { Sample = true, Temperature = 1.5, TopK = 50, TopP = 0.95, Seed = seed, MaxNewTokens = 12 };
        var first = model.Generate(new[] { Prompt }, Sampled(1))[0].NewIds;
        Assert.Equal(first, model.Generate(new[] { Prompt }, Sampled(1))[0].NewIds);
        Assert.NotEqual(first, model.Generate(new[] { Prompt }, Sampled(2))[0].NewIds);
    }

    [Fact]
    public void Top_k_of_one_is_greedy()
    {
        using var model = TinyGpt2.Create();
        var greedy = model.Generate(new[] { Prompt }, GenerationOptions.Greedy(8))[0].NewIds;
        var topOne = model.Generate(new[] { Prompt }, new GenerationOptions { Sample = true, TopK = 1, Seed = 9, MaxNewTokens = 8 })[0].NewIds;
        Assert.Equal(greedy, topOne);
    }

    [Fact]
    public void A_stop_token_ends_the_sequence_and_is_not_part_of_it()
    {
        using var model = TinyGpt2.Create();
        var free = model.Generate(new[] { Prompt }, GenerationOptions.Greedy(6))[0];
        var stop = free.NewIds[2];
        var stopped = model.Generate(new[] { Prompt }, new GenerationOptions { MaxNewTokens = 6, StopTokens = new[] { stop } })[0];
        Assert.Equal(StopReason.StopToken, stopped.StopReason);
        Assert.Equal(free.NewIds.TakeWhile(t => t != stop), stopped.NewIds);
        Assert.Equal(StopReason.MaxNewTokens, free.StopReason);
    }

    [Fact]
    public void Streaming_yields_each_step_as_it_is_made()
    {
        using var model = TinyGpt2.Create();
        var steps = model.GenerateSteps(new[] { Prompt }, GenerationOptions.Greedy(5)).Take(3).ToList();
        Assert.Equal(new[] { 0, 1, 2 }, steps.Select(s => s.Index));
        Assert.Equal(model.Generate(new[] { Prompt }, GenerationOptions.Greedy(3))[0].NewIds, steps.Select(s => s.TokenIds[0]!.Value));
    }

    [Theory]
    [InlineData(0.0, null, null)]
    [InlineData(1.0, 0, null)]
    [InlineData(1.0, null, 1.5)]
    public void Invalid_sampling_settings_are_rejected_before_any_work(double temperature, int? topK, double? topP)
    {
        using var model = TinyGpt2.Create();
        var options = new GenerationOptions { Sample = true, Temperature = temperature, TopK = topK, TopP = topP };
        Assert.Throws<SteeringException>(() => model.GenerateSteps(new[] { Prompt }, options));
    }

    [Fact]
    public void Long_generation_does_not_leak_tensors()
    {
        using var model = TinyGpt2.Create();
        using var hooks = model.Hooks.CreateScope().AddVector("blocks.0.resid_post", ones(model.Dimensions.DModel));
        model.Generate(new[] { Prompt }, GenerationOptions.Greedy(2)); // warm up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        model.Generate(new[] { Prompt, Prompt }, new GenerationOptions { MaxNewTokens = 40, StopTokens = System.Array.Empty<int>() });
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
