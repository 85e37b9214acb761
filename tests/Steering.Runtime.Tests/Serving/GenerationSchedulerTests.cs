using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Steering.Editing;
using Steering.Generation;
using Steering.Serving;
using Steering.Tests.Support;

namespace Steering.Tests.Serving;

public sealed class GenerationSchedulerTests
{
    /// <summary>Prompts of 1 to 9 tokens from the vocabulary, the same every run.</summary>
    private static List<IReadOnlyList<int>> Prompts(int count, int vocabulary, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => (IReadOnlyList<int>)Enumerable.Range(0, 1 + i % 9).Select(_ => random.Next(vocabulary)).ToList())
            .ToList();
    }

    /// <summary>Each prompt alone through the model's own generation, then all at once through a scheduler: the same tokens.</summary>
    private static async Task AssertSameAsAlone(HookedTransformer model, IReadOnlyList<GenerationRequest> requests, int maxBatchSize)
    {
        var alone = requests.Select(r => model.Generate(new[] { r.PromptIds }, r.Options)[0]).ToList();
        using var scheduler = new GenerationScheduler(model, new GenerationSchedulerOptions { MaxBatchSize = maxBatchSize });
        var together = await Task.WhenAll(requests.Select(r => scheduler.GenerateAsync(r)));
        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(alone[i].NewIds, together[i].NewIds);
            Assert.Equal(alone[i].StopReason, together[i].StopReason);
            Assert.Equal(alone[i].Text, together[i].Text);
        }
    }

    [Fact]
    public async Task Greedy_requests_batched_together_give_what_each_gives_alone()
    {
        using var model = TinyGpt2.Create();
        // Different lengths and limits, more requests than the batch holds: rows join and leave between steps.
        var requests = Prompts(12, model.Dimensions.DVocab)
            .Select((prompt, i) => new GenerationRequest(prompt, GenerationOptions.Greedy(3 + 5 * i % 17)))
            .ToList();
        await AssertSameAsAlone(model, requests, maxBatchSize: 5);
    }

    [Fact]
    public async Task Rotary_and_sliding_window_models_keep_each_requests_positions_across_joins()
    {
        foreach (var folder in new RandomModelFolder[] { new TinyDecoderFolders.Llama(), new TinyDecoderFolders.Mistral(), new TinyDecoderFolders.Gemma3() })
        {
            using (folder)
            {
                var requests = Prompts(9, folder.Model.Dimensions.DVocab, seed: 3)
                    .Select((prompt, i) => new GenerationRequest(prompt, new GenerationOptions { MaxNewTokens = 4 + 7 * i % 13, StopTokens = [] }))
                    .ToList();
                await AssertSameAsAlone(folder.Model, requests, maxBatchSize: 4);
            }
        }
    }

    [Fact]
    public async Task Seeded_sampling_requests_draw_what_each_draws_alone()
    {
        using var model = TinyGpt2.Create();
        var requests = Prompts(8, model.Dimensions.DVocab)
            .Select((prompt, i) => new GenerationRequest(prompt, new GenerationOptions
            {
                MaxNewTokens = 6 + i,
                Sample = i % 4 != 0, // some greedy rows among the sampled ones
                Temperature = 0.7 + 0.2 * i,
                TopK = i % 2 == 0 ? 40 : null,
                TopP = i % 3 == 0 ? 0.9 : null,
                Seed = 100 + i,
            }))
            .ToList();
        await AssertSameAsAlone(model, requests, maxBatchSize: 3);
    }

    [Fact]
    public async Task Requests_steered_differently_in_one_batch_each_get_their_own_steering_only()
    {
        using var model = TinyGpt2.Create();
        using var generator = new TorchSharp.torch.Generator(11);
        using var love = TorchSharp.torch.randn(new long[] { model.Dimensions.DModel }, generator: generator);
        using var other = TorchSharp.torch.randn(new long[] { model.Dimensions.DModel }, generator: generator);
        using var gate = TorchSharp.torch.randn(new long[] { model.Dimensions.DModel }, generator: generator);
        var specs = new SteeringSpec?[]
        {
            null,
            SteeringSpec.Empty.Add("blocks.0.resid_post", love, 4),
            SteeringSpec.Empty.Add("blocks.0.resid_post", love, -4),
            SteeringSpec.Empty.Add("blocks.1.resid_pre", other, 3).Ablate("blocks.1.mlp_out", love),
            // CAST: steered only when the prompt's activation along `gate` passes the threshold, decided per request.
            SteeringSpec.Empty.Add("blocks.1.resid_post", other, 6).When("blocks.0.resid_post", gate, 0.0),
        };
        var requests = Prompts(15, model.Dimensions.DVocab)
            .Select((prompt, i) => new GenerationRequest(prompt, new GenerationOptions
            {
                MaxNewTokens = 4 + 3 * i % 11,
                StopTokens = [],
                Sample = i % 3 == 1,
                Seed = i,
                Steering = specs[i % specs.Length],
            }))
            .ToList();
        await AssertSameAsAlone(model, requests, maxBatchSize: 6);
        // The steering matters: the same requests unsteered give other tokens.
        var unsteered = requests.Select(r => model.Generate(new[] { r.PromptIds }, r.Options with { Steering = null })[0].NewIds).ToList();
        var steered = requests.Select(r => model.Generate(new[] { r.PromptIds }, r.Options)[0].NewIds).ToList();
        Assert.Contains(Enumerable.Range(0, requests.Count), i => !unsteered[i].SequenceEqual(steered[i]));
    }

    [Fact]
    public async Task Streamed_chunks_add_up_to_the_result_and_the_last_carries_the_stop_reason()
    {
        using var model = TinyGpt2.Create();
        var prompt = model.Tokenizer.Encode("I think dogs are");
        var expected = model.Generate(new[] { prompt }, GenerationOptions.Greedy(10))[0];
        using var scheduler = new GenerationScheduler(model);
        var chunks = new List<GenerationChunk>();
        await foreach (var chunk in scheduler.Stream(new GenerationRequest(prompt, GenerationOptions.Greedy(10))))
            chunks.Add(chunk);
        Assert.Equal(expected.NewIds, chunks.Where(c => c.TokenId is not null).Select(c => c.TokenId!.Value));
        Assert.Equal(expected.Text, string.Concat(chunks.Select(c => c.Text)));
        Assert.All(chunks.SkipLast(1), c => Assert.Null(c.StopReason));
        Assert.Equal(StopReason.MaxNewTokens, chunks[^1].StopReason);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_just_before_it()
    {
        using var model = TinyGpt2.Create();
        var prompt = model.Tokenizer.Encode("I think dogs are");
        var free = model.Generate(new[] { prompt }, GenerationOptions.Greedy(16))[0];
        var stop = free.Text.Substring(free.Text.Length / 2, 2);
        var expected = free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)];

        using var scheduler = new GenerationScheduler(model);
        var request = new GenerationRequest(prompt, GenerationOptions.Greedy(16)) { StopSequences = ["never appears \u0001", stop] };
        var text = new StringBuilder();
        StopReason? reason = null;
        await foreach (var chunk in scheduler.Stream(request))
        {
            text.Append(chunk.Text);
            reason = chunk.StopReason;
        }
        Assert.Equal(expected, text.ToString());
        Assert.Equal(StopReason.StopSequence, reason);
        Assert.Equal(expected, (await scheduler.GenerateAsync(request)).Text);
    }

    [Fact]
    public async Task A_stop_token_ends_the_request_and_is_not_part_of_it()
    {
        using var model = TinyGpt2.Create();
        var prompt = Prompts(1, model.Dimensions.DVocab)[0];
        var free = model.Generate(new[] { prompt }, GenerationOptions.Greedy(8))[0];
        var options = new GenerationOptions { MaxNewTokens = 8, StopTokens = [free.NewIds[3]] };
        using var scheduler = new GenerationScheduler(model);
        var result = await scheduler.GenerateAsync(new GenerationRequest(prompt, options));
        Assert.Equal(StopReason.StopToken, result.StopReason);
        Assert.Equal(free.NewIds.TakeWhile(t => t != free.NewIds[3]), result.NewIds);
        var none = await scheduler.GenerateAsync(new GenerationRequest(prompt, GenerationOptions.Greedy(0)));
        Assert.Empty(none.NewIds);
        Assert.Equal(StopReason.MaxNewTokens, none.StopReason);
    }

    [Fact]
    public async Task Cancelling_a_request_stops_it_frees_its_rows_and_leaves_the_others_alone()
    {
        using var model = TinyGpt2.Create();
        var prompts = Prompts(3, model.Dimensions.DVocab);
        var options = new GenerationOptions { MaxNewTokens = 40, StopTokens = [] };
        var expected = model.Generate(new[] { prompts[1] }, options)[0].NewIds;
        using var scheduler = new GenerationScheduler(model);
        using var cancel = new CancellationTokenSource();

        var other = scheduler.GenerateAsync(new GenerationRequest(prompts[1], options));
        var received = 0;
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var chunk in scheduler.Stream(new GenerationRequest(prompts[0], options), cancel.Token))
                if (++received == 3) await cancel.CancelAsync();
        });
        Assert.Equal(3, received);
        // Leaving an enumeration early is a cancellation too.
        await foreach (var chunk in scheduler.Stream(new GenerationRequest(prompts[2], options)))
            break;

        Assert.Equal(expected, (await other).NewIds);
        await WaitIdle(scheduler);
        Assert.Equal(0, scheduler.CachedPositions);
    }

    [Fact]
    public async Task Memory_stays_flat_across_rounds_of_requests()
    {
        using var model = TinyGpt2.Create();
        using var scheduler = new GenerationScheduler(model, new GenerationSchedulerOptions { MaxBatchSize = 4 });
        var requests = Prompts(10, model.Dimensions.DVocab)
            .Select((prompt, i) => new GenerationRequest(prompt, new GenerationOptions { MaxNewTokens = 5 + i, Sample = i % 2 == 0, Seed = i }))
            .ToList();
        long? live = null;
        for (var round = 0; round < 4; round++)
        {
            await Task.WhenAll(requests.Select(r => scheduler.GenerateAsync(r)));
            await WaitIdle(scheduler);
            Assert.Equal(0, scheduler.CachedPositions);
            live ??= scheduler.IdleLiveTensors;
            Assert.Equal(live, scheduler.IdleLiveTensors);
        }
    }

    [Fact]
    public void Requests_that_do_not_fit_the_model_are_refused_before_they_run()
    {
        using var model = TinyGpt2.Create();
        using var scheduler = new GenerationScheduler(model);
        var context = model.Dimensions.NCtx;
        void Refused(GenerationRequest request, string part) =>
            Assert.Contains(part, Assert.ThrowsAny<SteeringException>(() => scheduler.Stream(request)).Message, StringComparison.Ordinal);

        Refused(new GenerationRequest([1, 2, 3], GenerationOptions.Greedy(context - 2)), $"the model's context is {context}");
        Refused(new GenerationRequest([1, 50257], GenerationOptions.Greedy(2)), "token id 50257 is outside the vocabulary");
        Refused(new GenerationRequest([], GenerationOptions.Greedy(2)), "has no tokens");
        Refused(new GenerationRequest([1], new GenerationOptions { Sample = true, Temperature = 0 }), "temperature 0");
        Refused(new GenerationRequest([1], GenerationOptions.Greedy(2)) { StopSequences = [""] }, "a stop sequence is empty");
        using var wrongSize = TorchSharp.torch.ones(7);
        Refused(new GenerationRequest([1], GenerationOptions.Greedy(2) with { Steering = SteeringSpec.Empty.Add("blocks.0.resid_post", wrongSize) }), "blocks.0.resid_post");
        Refused(new GenerationRequest([1], GenerationOptions.Greedy(2) with { Steering = SteeringSpec.Empty.Add("blocks.9.resid_post", wrongSize) }), "blocks.9");
    }

    [Fact]
    public async Task A_failing_pass_fails_its_requests_and_the_scheduler_goes_on()
    {
        using var model = TinyGpt2.Create();
        var prompt = Prompts(1, model.Dimensions.DVocab)[0];
        var expected = model.Generate(new[] { prompt }, GenerationOptions.Greedy(5))[0].NewIds;
        var failing = true;
        using var hooks = model.Hooks.CreateScope().Add("blocks.1.resid_pre", (_, _) => failing ? throw new SteeringException("a hook failed") : null);
        using var scheduler = new GenerationScheduler(model);
        var error = await Assert.ThrowsAsync<SteeringException>(() => scheduler.GenerateAsync(new GenerationRequest(prompt, GenerationOptions.Greedy(5))));
        Assert.Equal("a hook failed", error.Message);
        failing = false;
        Assert.Equal(expected, (await scheduler.GenerateAsync(new GenerationRequest(prompt, GenerationOptions.Greedy(5)))).NewIds);
    }

    [Fact]
    public async Task A_disposed_scheduler_ends_its_requests_and_refuses_new_ones()
    {
        using var model = TinyGpt2.Create();
        var scheduler = new GenerationScheduler(model);
        var prompt = Prompts(1, model.Dimensions.DVocab)[0];
        await scheduler.GenerateAsync(new GenerationRequest(prompt, GenerationOptions.Greedy(2)));
        scheduler.Dispose();
        Assert.Throws<ObjectDisposedException>(() => scheduler.Stream(new GenerationRequest(prompt, GenerationOptions.Greedy(2))));
    }

    /// <summary>Waits until the scheduler has nothing left to run (a deadline only against hangs, not a timing).</summary>
    private static async Task WaitIdle(GenerationScheduler scheduler)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!(scheduler.IsIdle && scheduler.RunningCount == 0 && scheduler.QueuedCount == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "the scheduler did not settle");
            await Task.Delay(10);
        }
    }
}
