using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace Steering.Server.Tests;

/// <summary>
/// Dozens of concurrent clients on loopback, each with its own steering, prompt, length and streaming choice: every
/// one gets exactly the reply its request gives alone (no cross-talk, nothing lost or swapped), and memory is the same
/// after a second round as after the first. Bounded: two rounds of 32 short requests on a tiny model.
/// </summary>
public sealed class LoadTests(ServedGpt2 served) : IClassFixture<ServedGpt2>
{
    private const int Clients = 32;

    private static readonly string[] Prompts = ["I think dogs are", "The weather today", "My favourite food is", "Once upon a time", "Cats"];

    private static readonly (string Vector, string Hook, double Coefficient)[][] Steerings =
    [
        [],
        [("love", "blocks.0.resid_post", 4)],
        [("love", "blocks.0.resid_post", -4)],
        [("hate", "blocks.1.resid_pre", 6)],
        [("love", "blocks.0.resid_post", 2), ("hate", "blocks.1.resid_post", -3)],
        [("hate", "blocks.0.resid_pre", 8)],
    ];

    private sealed record Client(int Index, string Prompt, (string Vector, string Hook, double Coefficient)[] Steering, int MaxTokens, bool Stream)
    {
        public string Body() => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model"] = "tiny-gpt2",
            ["prompt"] = Prompt,
            ["max_tokens"] = MaxTokens,
            ["temperature"] = 0,
            ["stream"] = Stream,
            ["steering"] = Steering.Select(s => new Dictionary<string, object> { ["vector"] = s.Vector, ["hook"] = s.Hook, ["coefficient"] = s.Coefficient }).ToList(),
        });
    }

    [Fact]
    public async Task Concurrent_clients_with_different_steering_each_get_their_own_reply_and_memory_stays_flat()
    {
        var clients = Enumerable.Range(0, Clients)
            .Select(i => new Client(i, Prompts[i % Prompts.Length], Steerings[i * 7 % Steerings.Length], 4 + i * 5 % 13, i % 3 == 0))
            .ToList();
        var expected = clients.ToDictionary(c => c.Index,
            c => served.Alone(served.Reference.Tokenizer.Encode(c.Prompt), c.MaxTokens, c.Steering).Text);
        Assert.True(expected.Values.Distinct().Count() > Clients / 2, "the requests should differ");

        var before = served.Server.Scheduler.Decoded;
        long liveAfterFirst = 0, rssAfterFirst = 0;
        for (var round = 0; round < 2; round++)
        {
            var replies = await Task.WhenAll(clients.Select(Run));
            foreach (var client in clients)
                Assert.True(expected[client.Index] == replies[client.Index], $"client {client.Index}: expected '{expected[client.Index]}', got '{replies[client.Index]}'");
            await WaitIdle();
            Assert.Equal(0, served.Server.Scheduler.CachedPositions);
            if (round == 0)
            {
                liveAfterFirst = served.Server.Scheduler.IdleLiveTensors;
                rssAfterFirst = ResidentBytes();
                continue;
            }
            Assert.Equal(liveAfterFirst, served.Server.Scheduler.IdleLiveTensors);
            // The clients shared forward passes: decode steps held several rows on average.
            var after = served.Server.Scheduler.Decoded;
            Assert.True(after.Rows - before.Rows > 2 * (after.Steps - before.Steps), $"{after.Rows - before.Rows} rows in {after.Steps - before.Steps} decode steps");
            var growth = ResidentBytes() - rssAfterFirst;
            Assert.True(growth < 64L << 20, $"resident memory grew by {growth >> 20} MiB over a round");
        }
    }

    /// <summary>One client's request; returns its whole text (streamed or not).</summary>
    private async Task<string> Run(Client client)
    {
        if (!client.Stream)
            return (await served.PostJson("completions", client.Body())).GetProperty("choices")[0].GetProperty("text").GetString()!;
        var events = await served.PostStream("completions", client.Body());
        Assert.Equal("[DONE]", events[^1]);
        return string.Concat(events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
    }

    private async Task WaitIdle()
    {
        var scheduler = served.Server.Scheduler;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!(scheduler.IsIdle && scheduler.RunningCount == 0 && scheduler.QueuedCount == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "the scheduler did not settle");
            await Task.Delay(10);
        }
    }

    /// <summary>VmRSS after a full collection (where libtorch's native buffers show).</summary>
    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? Environment.WorkingSet : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
