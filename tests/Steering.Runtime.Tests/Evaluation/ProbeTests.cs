using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Steering.Editing;
using Steering.Evaluation;
using Steering.Generation;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Evaluation;

/// <summary>
/// The probes, batched with left padding, against the same quantities computed one prompt at a time in float64 from
/// the model's logits.
/// </summary>
public sealed class ProbeTests : IClassFixture<TinyGpt2Folder>, IDisposable
{
    private const string Hook = "blocks.1.resid_pre";
    private readonly HookedTransformer _model;
    private readonly Tensor _vector;

    // Different lengths, so batches of two are padded.
    private static readonly string[] Prompts = { "I think dogs are", "Hello", "The weather today is rather", "Cats" };

    public ProbeTests(TinyGpt2Folder folder)
    {
        _model = folder.Model;
        _vector = randn(new long[] { 32 }, generator: new TorchSharp.torch.Generator(3)).DetachFromDisposeScope();
    }

    public void Dispose() => _vector.Dispose();

    private Func<double, SteeringSpec> Steering => CoefficientSteering.AddVector(_model, Hook, _vector);

    /// <summary>The logits of one unpadded prompt, steered by c·vector, in float64.</summary>
    private Tensor Logits(IReadOnlyList<int> ids, double coefficient)
    {
        using var scope = _model.Hooks.CreateScope();
        if (coefficient != 0) scope.AddVector(Hook, _vector, coefficient);
        return _model.Forward(_model.TokenTensor(ids))[0].to(ScalarType.Float64);
    }

    private double[] ExpectedKl(IReadOnlyList<int> ids, double coefficient)
    {
        using var scope = NewDisposeScope();
        var p = Logits(ids, coefficient).softmax(-1);
        var q = Logits(ids, 0).softmax(-1);
        return (p * (p.log() - q.log())).sum(-1).data<double>().ToArray();
    }

    [Theory]
    [InlineData(KlPositions.All, 1)]
    [InlineData(KlPositions.All, 2)]
    [InlineData(KlPositions.Last, 3)]
    public void Kl_per_position_equals_the_unbatched_float64_computation(KlPositions positions, int batchSize)
    {
        using var probe = KlProbe.FromText(_model, Prompts, positions, new EvaluationOptions { BatchSize = batchSize });
        var measured = probe.Measure(Steering, 6);

        for (var i = 0; i < Prompts.Length; i++)
        {
            var expected = ExpectedKl(_model.Tokenizer.Encode(Prompts[i]), 6);
            if (positions == KlPositions.Last) expected = expected[^1..];
            Assert.Equal(expected.Length, measured.PerPrompt[i].Length);
            for (var j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(expected[j] - measured.PerPrompt[i][j]) <= 1e-5 + (1e-4 * expected[j]), $"prompt {i} position {j}: {expected[j]} vs {measured.PerPrompt[i][j]}");
        }
        var all = Prompts.SelectMany(p => ExpectedKl(_model.Tokenizer.Encode(p), 6) is var kl && positions == KlPositions.Last ? kl[^1..] : kl).ToList();
        Assert.Equal(all.Average(), measured.Mean, 4);
        Assert.True(measured.Mean > 1e-3, $"the steering should change the distributions; mean KL {measured.Mean}");
        Assert.Equal(0, probe.Measure(Steering, 0).Summary.Max);
    }

    [Fact]
    public async Task A_probe_steers_its_own_calls_only_so_an_unsteered_caller_beside_it_is_unaffected()
    {
        var prompt = _model.Tokenizer.Encode(Prompts[2]);
        float[] Unsteered()
        {
            using var scope = NewDisposeScope();
            return _model.Forward(_model.TokenTensor(prompt)).flatten().data<float>().ToArray();
        }
        var expected = Unsteered();
        using var probe = KlProbe.FromText(_model, Prompts, options: new EvaluationOptions { ReferenceCacheBytes = 0, BatchSize = 2 });
        var alone = probe.Measure(Steering, 6).Mean;
        Assert.True(alone > 1e-3, $"the steering should change the distributions; mean KL {alone}");

        using var start = new Barrier(2);
        var measuring = Task.Run(() =>
        {
            start.SignalAndWait();
            return Enumerable.Range(0, 3).Select(_ => probe.Measure(Steering, 6).Mean).ToList();
        });
        var reading = Task.Run(() =>
        {
            start.SignalAndWait();
            var results = new List<float[]>();
            while (!measuring.IsCompleted || results.Count < 3) results.Add(Unsteered());
            return results;
        });
        Assert.All(await measuring, mean => Assert.Equal(alone, mean));
        Assert.All(await reading, logits => Assert.Equal(expected, logits));
        Assert.False(_model.Hooks.AnyHooked);
    }

    [Fact]
    public void Kl_without_a_reference_cache_recomputes_the_unsteered_run_and_agrees()
    {
        using var cached = KlProbe.FromText(_model, Prompts);
        using var uncached = KlProbe.FromText(_model, Prompts, options: new EvaluationOptions { ReferenceCacheBytes = 0, BatchSize = 3 });
        Assert.Equal(cached.Measure(Steering, 4).Mean, uncached.Measure(Steering, 4).Mean, 6);
    }

    [Fact]
    public void Log_prob_shift_equals_the_unbatched_sum_over_the_completion_tokens()
    {
        var pairs = new[] { ("I think dogs are", " very nice"), ("Hello", " world"), ("The weather today is rather", " cold and wet") };
        var probe = LogProbProbe.FromText(_model, pairs, new EvaluationOptions { BatchSize = 2 });
        var measured = probe.Measure(Steering, -5);

        for (var i = 0; i < pairs.Length; i++)
        {
            var prompt = _model.Tokenizer.Encode(pairs[i].Item1);
            var completion = _model.Tokenizer.Encode(pairs[i].Item2, addSpecialTokens: false);
            double LogProb(double c)
            {
                using var scope = NewDisposeScope();
                var logProbs = Logits(prompt.Concat(completion).ToList(), c).log_softmax(-1);
                return completion.Select((token, j) => logProbs[prompt.Length + j - 1, token].item<double>()).Sum();
            }
            Assert.Equal(LogProb(0), measured.Unsteered[i], 4);
            Assert.Equal(LogProb(-5), measured.Steered[i], 4);
            Assert.Equal(LogProb(-5) - LogProb(0), measured.Shifts.Values[i], 4);
        }
    }

    [Fact]
    public void Perplexity_is_exp_of_the_mean_negative_log_likelihood_over_every_predicted_token()
    {
        var texts = new[] { "The cat sat on the mat.", "A quiet afternoon", "x" };
        var probe = PerplexityProbe.FromText(_model, texts, new EvaluationOptions { BatchSize = 2 });
        var measured = probe.Measure(Steering, 3);

        double Expected(double c)
        {
            double sum = 0;
            var tokens = 0;
            foreach (var text in texts)
            {
                using var scope = NewDisposeScope();
                var ids = _model.Tokenizer.Encode(text);
                var logProbs = Logits(ids, c).log_softmax(-1);
                for (var j = 1; j < ids.Length; j++) sum += logProbs[j - 1, ids[j]].item<double>();
                tokens += ids.Length - 1;
            }
            return Math.Exp(-sum / tokens);
        }
        Assert.Equal(1, measured.Unsteered / Expected(0), 6);
        Assert.Equal(1, measured.Steered / Expected(3), 6);
        Assert.Equal(Expected(3) / Expected(0), measured.Ratio, 5);
    }

    [Fact]
    public void Effect_is_the_mean_score_of_the_steered_completions()
    {
        var options = new GenerationOptions { MaxNewTokens = 4, Sample = true, Seed = 11, TopK = 20 };
        var probe = EffectProbe.FromText(_model, Prompts[..2], text => text.Length, options, samples: 2);
        var measured = probe.Measure(Steering, 2);

        List<string> Expected(long seed)
        {
            using var scope = _model.Hooks.CreateScope().AddVector(Hook, _vector, 2);
            return _model.Generate(Prompts[..2].Select(p => (IReadOnlyList<int>)_model.Tokenizer.Encode(p)).ToList(), options with { Seed = seed })
                .Select(s => s.Text).ToList();
        }
        var expected = Expected(11).Concat(Expected(12)).ToList();
        Assert.Equal(expected, measured.Completions);
        Assert.Equal(expected.Average(t => t.Length), measured.Mean);
    }

    [Fact]
    public void Bad_input_is_a_clear_error()
    {
        Assert.Contains("no prompts", Assert.Throws<SteeringException>(() => KlProbe.FromText(_model, Array.Empty<string>())).Message);
        Assert.Contains("prompt 1 has no tokens", Assert.Throws<SteeringException>(() => KlProbe.FromText(_model, new[] { "a", "" })).Message);
        Assert.Contains("batch size", Assert.Throws<SteeringException>(() => KlProbe.FromText(_model, Prompts, options: new EvaluationOptions { BatchSize = 0 })).Message);
        Assert.Contains("completion 0 has no tokens", Assert.Throws<SteeringException>(() => LogProbProbe.FromText(_model, new[] { ("a", "") })).Message);
        Assert.Contains("at least two tokens", Assert.Throws<SteeringException>(() => PerplexityProbe.FromText(_model, new[] { "x" })).Message);
        var unknown = Assert.ThrowsAny<SteeringException>(() => CoefficientSteering.AddVector(_model, "blocks.7.resid_pre", _vector));
        Assert.Contains("blocks.7.resid_pre", unknown.Message);
        using var wrong = ones(5);
        Assert.Contains("shape", Assert.Throws<SteeringException>(() => CoefficientSteering.AddVector(_model, Hook, wrong)).Message);
        Assert.False(_model.Hooks.AnyHooked);
        using var probe = KlProbe.FromText(_model, Prompts);
        var evaluator = new SteeringEvaluator();
        Assert.Contains("nothing to measure", Assert.Throws<SteeringException>(() => evaluator.Evaluate(Steering, 1)).Message);
        Assert.Contains("not a finite number", Assert.Throws<SteeringException>(() => new SteeringEvaluator { Kl = probe }.Evaluate(Steering, double.NaN)).Message);
    }
}
