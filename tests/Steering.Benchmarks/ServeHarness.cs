using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Steering.Server;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--serve</c>: the OpenAI-compatible server under load on loopback. The same requests (random-id prompts, greedy,
/// a fixed number of new tokens, each steered with its own coefficient) are sent by 1, 4, 16 and 32 concurrent clients,
/// to a server that batches them (continuous batching), and by the most clients to one that runs one request at a
/// time (max batch size 1, the baseline): requests/s and generated tokens/s for each.
/// </summary>
public static class ServeHarness
{
    private const int PromptTokens = 16;

    /// <param name="clientCounts">Concurrent clients per run.</param>
    /// <param name="requests">Requests per run, shared out among the clients.</param>
    /// <param name="newTokens">New tokens per request (stop tokens off: every request makes exactly this many).</param>
    /// <param name="threads">libtorch intra-op threads (its default when null).</param>
    public static int Run(int[] clientCounts, int requests, int newTokens, int? threads)
    {
        if (threads is int count) set_num_threads(count);
        Console.WriteLine($"Steering serve benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"libtorch: CPU, fp32, {get_num_threads()} intra-op threads");
        using var model = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
        Console.WriteLine($"model: GPT-2-small shape, random weights, {model.ParameterCount / 1e6:F1}M parameters");
        Console.WriteLine($"{requests} requests per run: {PromptTokens}-token prompts, {newTokens} new tokens each (greedy), each steered at " +
            $"{BenchmarkModels.SteeringPoint} with its own coefficient; HTTP on loopback");

        var folder = Directory.CreateTempSubdirectory("steering-serve-bench-");
        try
        {
            var vectorPath = Path.Combine(folder.FullName, "v.safetensors");
            using (var generator = new Generator((ulong)BenchmarkModels.Seed + 1))
            using (var values = randn(new long[] { model.Dimensions.DModel }, generator: generator))
            using (var vector = SteeringVector.FromTensor(values, BenchmarkModels.SteeringPoint))
                vector.Save(vectorPath);
            var prompts = BenchmarkModels.RandomPrompts(requests, PromptTokens, model.Dimensions.DVocab);
            var bodies = prompts.Select((prompt, i) => Body(prompt, newTokens, coefficient: -4 + 8.0 * i / Math.Max(1, requests - 1))).ToList();

            Console.WriteLine();
            Console.WriteLine($"  {"clients",7}  {"server",-22} {"requests/s",10}  {"tokens/s",9}  {"wall",7}  {"mean batch",10}");
            // The baseline runs once, at the most clients: with a batch of one, more clients only wait longer.
            foreach (var (batched, maxBatch, counts) in new[] { (false, 1, new[] { clientCounts.Max() }), (true, 32, clientCounts) })
            {
                var server = SteeringServer.StartAsync(model, new SteeringServerOptions
                {
                    Port = 0,
                    MaxBatchSize = maxBatch,
                    VectorFiles = new Dictionary<string, string> { ["v"] = vectorPath },
                }).GetAwaiter().GetResult();
                try
                {
                    using var http = new HttpClient { BaseAddress = new Uri(server.Address, "v1/"), Timeout = TimeSpan.FromMinutes(30) };
                    Send(http, bodies.Take(2).ToList(), clients: 1); // warm-up
                    foreach (var clients in counts)
                    {
                        var before = server.Scheduler.Decoded;
                        var watch = Stopwatch.StartNew();
                        var produced = Send(http, bodies, clients);
                        var seconds = watch.Elapsed.TotalSeconds;
                        var after = server.Scheduler.Decoded;
                        if (produced != requests * newTokens) throw new InvalidOperationException($"the run produced {produced} tokens, not {requests * newTokens}");
                        var meanBatch = (double)(after.Rows - before.Rows) / Math.Max(1, after.Steps - before.Steps);
                        var name = batched ? "batched (max 32)" : "one at a time (max 1)";
                        Console.WriteLine($"  {clients,7}  {name,-22} {requests / seconds,10:F2}  {produced / seconds,9:F1}  {seconds,6:F1}s  {meanBatch,10:F1}");
                    }
                }
                finally
                {
                    server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
        return 0;
    }

    private static string Body(IReadOnlyList<int> prompt, int newTokens, double coefficient) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["prompt"] = prompt,
        ["max_tokens"] = newTokens,
        ["temperature"] = 0,
        ["stop"] = Array.Empty<string>(),
        ["steering"] = new[] { new Dictionary<string, object> { ["vector"] = "v", ["coefficient"] = coefficient } },
    });

    /// <summary>Sends every body, <paramref name="clients"/> at a time (each client sends its share one after another); returns the tokens generated.</summary>
    private static int Send(HttpClient http, IReadOnlyList<string> bodies, int clients)
    {
        var next = -1;
        async Task<int> Client()
        {
            var produced = 0;
            for (var i = System.Threading.Interlocked.Increment(ref next); i < bodies.Count; i = System.Threading.Interlocked.Increment(ref next))
            {
                using var response = await http.PostAsync("completions", new StringContent(bodies[i], Encoding.UTF8, "application/json")).ConfigureAwait(false);
                var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false)).RootElement;
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException(json.ToString());
                produced += json.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
            }
            return produced;
        }
        return Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client))).GetAwaiter().GetResult().Sum();
    }
}
