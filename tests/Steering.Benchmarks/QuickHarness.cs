using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--quick</c>: the key figures in about a minute or two with a Stopwatch (warm-up, then the median of a few runs),
/// for the README. Forward variants are timed round-robin so that load from other processes spreads over all of them.
/// BenchmarkDotNet's suites give the statistically careful numbers.
/// </summary>
public static class QuickHarness
{
    private const int ForwardTokens = 128;
    private const int ForwardWarmup = 2;
    private const int ForwardRuns = 7;
    private const int PassThroughCalls = 1_000_000;
    private const int GenerationRuns = 3;
    private const int LeakCheckTokens = 16;

    /// <param name="threads">libtorch intra-op threads (its default, one per core, when null).</param>
    public static int Run(int? threads = null)
    {
        if (threads is int count) set_num_threads(count);
        var total = Stopwatch.StartNew();
        Console.WriteLine($"Steering quick benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"libtorch: CPU, fp32, {get_num_threads()} intra-op threads; TorchSharp {typeof(Tensor).Assembly.GetName().Version}");

        var build = Stopwatch.StartNew();
        using var model = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
        Console.WriteLine($"model: GPT-2-small shape, random weights, {model.ParameterCount / 1e6:F1}M parameters, {model.Hooks.Count} hook points (built in {build.Elapsed.TotalSeconds:F1} s)");
        using var ids = BenchmarkModels.RandomIds(1, ForwardTokens, model.Dimensions.DVocab);

        // 1. Forward passes.
        var variants = new (string Name, Func<IDisposable?> Install)[]
        {
            ("no hooks", () => null),
            ($"1 AddVector hook ({BenchmarkModels.SteeringPoint})", () => BenchmarkModels.InstallSteering(model)),
            ("reading hook on every point", () => BenchmarkModels.InstallReadersEverywhere(model)),
            ("cache of all resid_post", () => CacheResidPost(model)),
        };
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (var run = -ForwardWarmup; run < ForwardRuns; run++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                using var installed = variants[v].Install();
                var watch = Stopwatch.StartNew();
                BenchmarkModels.Forward(model, ids);
                if (run >= 0) times[v].Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        Console.WriteLine();
        Console.WriteLine($"forward, 1×{ForwardTokens} tokens ({ForwardRuns} runs each, round-robin, after {ForwardWarmup} warm-up rounds):");
        Console.WriteLine("  (other processes only ever add time, so on a busy machine the minimum is the steadier figure)");
        Console.WriteLine($"  {"",-44} {"median",9}  {"min",8}  {"Δ median",9}  {"Δ min",7}");
        var baseline = Median(times[0]);
        var baselineMin = times[0].Min();
        for (var v = 0; v < variants.Length; v++)
        {
            var median = Median(times[v]);
            var min = times[v].Min();
            var change = v == 0 ? "" : $"  {(median - baseline) / baseline * 100,8:+0.0;-0.0}%  {(min - baselineMin) / baselineMin * 100,6:+0.0;-0.0}%";
            Console.WriteLine($"  {variants[v].Name,-44} {median,6:F1} ms  {min,5:F1} ms{change}");
        }

        // 2. The no-hook fast path, per call, and what it adds up to per forward pass.
        var passThroughNs = PassThroughNanoseconds(model);
        var machineryMs = passThroughNs * model.Hooks.Count / 1e6;
        Console.WriteLine();
        Console.WriteLine($"HookPoint pass-through with no hooks: {passThroughNs:F2} ns per call (median of 5 × {PassThroughCalls:N0} calls)");
        Console.WriteLine($"  × {model.Hooks.Count} hook points per pass (an upper bound) = {machineryMs * 1000:F2} µs = " +
            $"{machineryMs / baselineMin * 100:F5}% of the fastest no-hook forward pass ({baselineMin:F1} ms)");

        // 3. KV-cached greedy generation.
        Console.WriteLine();
        Console.WriteLine($"KV-cached greedy generation, {GenerationBenchmarks.PromptTokens}-token prompts, {GenerationBenchmarks.NewTokens} new tokens (median of {GenerationRuns} alternating runs, after a warm-up; best run in brackets):");
        foreach (var batch in new[] { 1, 4 })
        {
            var prompts = BenchmarkModels.RandomPrompts(batch, GenerationBenchmarks.PromptTokens, model.Dimensions.DVocab);
            var seconds = new[] { new List<double>(), new List<double>() };
            for (var run = -1; run < GenerationRuns; run++)
            {
                foreach (var steered in new[] { false, true }) // alternated, so outside load falls on both alike
                {
                    using var scope = steered ? BenchmarkModels.InstallSteering(model) : null;
                    var options = run < 0 ? GenerationBenchmarks.Options with { MaxNewTokens = 8 } : GenerationBenchmarks.Options;
                    var watch = Stopwatch.StartNew();
                    var produced = GenerationBenchmarks.Count(model, prompts, options);
                    if (run < 0) continue;
                    seconds[steered ? 1 : 0].Add(watch.Elapsed.TotalSeconds);
                    if (produced != batch * GenerationBenchmarks.NewTokens)
                        throw new InvalidOperationException($"generation produced {produced} tokens");
                }
            }
            var unsteered = batch * GenerationBenchmarks.NewTokens / Median(seconds[0]);
            foreach (var steered in new[] { false, true })
            {
                var runs = seconds[steered ? 1 : 0];
                var tokensPerSecond = batch * GenerationBenchmarks.NewTokens / Median(runs);
                var best = batch * GenerationBenchmarks.NewTokens / runs.Min();
                var change = steered ? $"  {(tokensPerSecond - unsteered) / unsteered * 100:+0.0;-0.0}% vs unsteered" : "";
                Console.WriteLine($"  batch {batch}, {(steered ? "steered  " : "unsteered")} {tokensPerSecond,8:F1} tokens/s [best {best,5:F1}]  ({Median(runs) * 1000:F0} ms per generation){change}");
            }
        }

        // 4. Leak check.
        Console.WriteLine();
        using var leakIds = BenchmarkModels.RandomIds(1, LeakCheckTokens, model.Dimensions.DVocab);
        MemoryCheck.Result result;
        using (BenchmarkModels.InstallSteering(model))
        using (BenchmarkModels.InstallReadersEverywhere(model))
        using (CacheResidPost(model))
            result = MemoryCheck.Run(model, leakIds);
        Console.WriteLine($"leak check: {result.Passes} forward passes (1×{LeakCheckTokens} tokens) with a steering hook, a reading hook on every point and a resid_post cache installed:");
        Console.WriteLine($"  tensors created {result.TensorsCreated:N0}, disposed {result.TensorsDisposed:N0}; live on this thread {result.LiveBefore:N0} → {result.LiveAfter:N0}");
        Console.WriteLine($"  RSS {result.RssBeforeBytes / 1048576.0:F1} MiB → {result.RssAfterBytes / 1048576.0:F1} MiB ({(result.RssAfterBytes - result.RssBeforeBytes) / 1048576.0:+0.0;-0.0} MiB; allowance {result.RssAllowanceBytes >> 20} MiB)");
        Console.WriteLine($"  {(result.Passed ? "PASS: no growth" : "FAIL: memory grew")}");

        Console.WriteLine();
        Console.WriteLine($"total {total.Elapsed.TotalSeconds:F0} s");
        return result.Passed ? 0 : 1;
    }

    /// <summary>A scope holding a cache of every resid_post; disposing it frees the cache too.</summary>
    private static IDisposable CacheResidPost(HookedTransformer model)
    {
        var scope = model.Hooks.CreateScope();
        return new Both(scope, scope.Cache(BenchmarkModels.ResidPostNames(model)));
    }

    /// <summary>Median nanoseconds of one HookPoint.Run with no hook installed, on a [1, 128, 768] activation.</summary>
    private static double PassThroughNanoseconds(HookedTransformer model)
    {
        using var tensors = NewDisposeScope();
        var point = model.Hooks[BenchmarkModels.SteeringPoint];
        if (point.IsHooked) throw new InvalidOperationException("the pass-through is timed with no hooks installed");
        var activation = zeros(1, ForwardTokens, model.Dimensions.DModel);
        var pass = new ForwardPass(arange((long)ForwardTokens).unsqueeze(0), zeros(1, ForwardTokens, ScalarType.Bool), ForwardPhase.Prefill, 0);
        var samples = new List<double>();
        for (var round = -1; round < 5; round++)
        {
            var x = activation;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < PassThroughCalls; i++) x = point.Run(x, pass);
            var elapsed = watch.Elapsed.TotalMilliseconds * 1e6 / PassThroughCalls;
            if (!ReferenceEquals(x, activation)) throw new InvalidOperationException("the fast path returned another tensor");
            if (round >= 0) samples.Add(elapsed);
        }
        return Median(samples);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed class Both(HookScope scope, ActivationCache cache) : IDisposable
    {
        public void Dispose()
        {
            scope.Dispose();
            cache.Dispose();
        }
    }
}
