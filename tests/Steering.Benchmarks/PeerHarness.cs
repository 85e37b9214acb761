using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--peers</c>: Steering next to llama.cpp in one run, on the same weights (the GPT-2-small-shaped random model and
/// its <c>steer export --format gguf</c> F32 file) and the same thread count: batch-1 greedy decode tokens/s and 1×128
/// prompt processing, as ratios; then Steering's own figures at that thread count: fp32 vs bf16/f16 weights, batch
/// 1/4/8 decode throughput, and one AddVector hook. Rounds alternate the engines so outside load falls on both alike;
/// each figure is the best round (noise only adds time) with the median beside it.
/// </summary>
public static class PeerHarness
{
    private const int PromptTokens = 16;
    private const int NewTokens = 64;
    private const int PrefillTokens = 128;
    private const int ContextSize = 256;

    /// <summary>Runs every figure at each of <paramref name="threadCounts"/>, <paramref name="rounds"/> timed rounds each after a warm-up.</summary>
    /// <param name="threadCounts">The thread counts, each run in turn.</param>
    /// <param name="rounds">Timed rounds after the warm-up.</param>
    /// <param name="ownOnly">Steering's own decode figures only (no llama.cpp, no prefill): a shorter run to compare changes.</param>
    public static int Run(IReadOnlyList<int> threadCounts, int rounds, bool ownOnly = false)
    {
        if (ownOnly)
        {
            Console.WriteLine($"Steering's own decode figures — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
            using var fp32 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
            var tokens = BenchmarkModels.RandomPrompts(1, PromptTokens, fp32.Dimensions.DVocab)[0].ToArray();
            foreach (var threads in threadCounts)
            {
                set_num_threads(threads);
                Console.WriteLine($"== {threads} thread{(threads == 1 ? "" : "s")}");
                OwnFigures(fp32, tokens, rounds);
            }
            Console.WriteLine($"load average at end: {LoadAverage()}");
            return 0;
        }
        LlamaCppPeer.Prepare();
        Console.WriteLine($"Steering vs llama.cpp — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"load average at start: {LoadAverage()}; OMP_WAIT_POLICY=PASSIVE");
        var folder = Directory.CreateTempSubdirectory("steering-peers-").FullName;
        try
        {
            using var model = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
            var gguf = WriteGguf(model, folder);
            Console.WriteLine($"model: GPT-2-small shape, random weights, {model.ParameterCount / 1e6:F1}M parameters; llama.cpp reads its F32 GGUF export ({new FileInfo(gguf).Length / 1e6:F0} MB)");
            Console.WriteLine($"decode: {PromptTokens}-token prompt, {NewTokens} greedy tokens, tokens/s of the {NewTokens - 1} decode steps after the prompt; prefill: 1×{PrefillTokens} prompt to the first token");
            Console.WriteLine($"each figure: best of {rounds} rounds after a warm-up [median]");
            var prompt = BenchmarkModels.RandomPrompts(1, PromptTokens, model.Dimensions.DVocab)[0].ToArray();
            var longPrompt = BenchmarkModels.RandomPrompts(1, PrefillTokens, model.Dimensions.DVocab, BenchmarkModels.Seed + 2)[0].ToArray();
            foreach (var threads in threadCounts)
            {
                set_num_threads(threads);
                Console.WriteLine();
                Console.WriteLine($"== {threads} thread{(threads == 1 ? "" : "s")} (libtorch intra-op {get_num_threads()}, llama.cpp {threads}); load average {LoadAverage()}");
                using (var llama = new LlamaCppPeer(gguf, threads, ContextSize))
                    ComparePeers(model, llama, prompt, longPrompt, rounds, NewTokens, "fp32");
                OwnFigures(model, prompt, rounds);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return 0;
    }

    /// <summary>Writes <paramref name="model"/> into <paramref name="folder"/> as the F32 GGUF llama.cpp reads (what <c>steer export --format gguf</c> writes).</summary>
    internal static string WriteGguf(HookedTransformer model, string folder)
    {
        var gguf = Path.Combine(folder, "gpt2-small-random.f32.gguf");
        GgufModelExport.Write(model, gguf, GgmlType.F32);
        return gguf;
    }

    /// <summary>
    /// Both engines' greedy decode (tokens/s of the <paramref name="newTokens"/> − 1 steps after <paramref name="prompt"/>)
    /// and prompt processing of <paramref name="longPrompt"/> to its first token, rounds alternating the engines, after a
    /// warm-up round; prints best [median] and the ratios. <paramref name="label"/> names the weights' type.
    /// </summary>
    internal static void ComparePeers(HookedTransformer model, LlamaCppPeer llama, int[] prompt, int[] longPrompt, int rounds, int newTokens, string label)
    {
        var steeringDecode = new List<double>();
        var llamaDecode = new List<double>();
        var steeringPrefill = new List<double>();
        var llamaPrefill = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var ours = Steering(model, new[] { prompt }, newTokens);
            var theirs = llama.Generate(prompt, newTokens);
            var oursPrefill = Steering(model, new[] { longPrompt }, 1).Prefill;
            var theirsPrefill = llama.Generate(longPrompt, 1).Prompt;
            if (round < 0) continue;
            steeringDecode.Add((newTokens - 1) / ours.Decode.TotalSeconds);
            llamaDecode.Add((newTokens - 1) / theirs.Decode.TotalSeconds);
            steeringPrefill.Add(oursPrefill.TotalMilliseconds);
            llamaPrefill.Add(theirsPrefill.TotalMilliseconds);
        }
        Console.WriteLine($"  {"",-34} {"Steering",18}  {"llama.cpp",18}  {"Steering ÷ llama.cpp",20}");
        Console.WriteLine($"  {$"decode batch 1, {label} (tokens/s)",-34} {steeringDecode.Max(),8:F1} [{QuickHarness.Median(steeringDecode),6:F1}]  {llamaDecode.Max(),8:F1} [{QuickHarness.Median(llamaDecode),6:F1}]  {steeringDecode.Max() / llamaDecode.Max(),9:F2}× [{QuickHarness.Median(steeringDecode) / QuickHarness.Median(llamaDecode):F2}×]");
        Console.WriteLine($"  {$"prefill 1×{longPrompt.Length}, {label} (ms)",-34} {steeringPrefill.Min(),8:F1} [{QuickHarness.Median(steeringPrefill),6:F1}]  {llamaPrefill.Min(),8:F1} [{QuickHarness.Median(llamaPrefill),6:F1}]  {llamaPrefill.Min() / steeringPrefill.Min(),9:F2}× [{QuickHarness.Median(llamaPrefill) / QuickHarness.Median(steeringPrefill):F2}×] speed");
    }

    private static void OwnFigures(HookedTransformer fp32, int[] prompt, int rounds)
    {
        using var bf16 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small, ScalarType.BFloat16);
        using var f16 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small, ScalarType.Float16);
        var one = new[] { prompt };
        var prompts4 = BenchmarkModels.RandomPrompts(4, PromptTokens, fp32.Dimensions.DVocab);
        var prompts8 = BenchmarkModels.RandomPrompts(8, PromptTokens, fp32.Dimensions.DVocab);
        var cases = new (string Name, Func<double> Run)[]
        {
            ("fp32, batch 1", () => DecodeRate(fp32, one)),
            ("fp32, batch 1, 1 AddVector hook", () =>
            {
                using var hook = BenchmarkModels.InstallSteering(fp32);
                return DecodeRate(fp32, one);
            }),
            ("bf16 weights, batch 1", () => DecodeRate(bf16, one)),
            ("f16 weights, batch 1", () => DecodeRate(f16, one)),
            ("fp32, batch 4", () => DecodeRate(fp32, prompts4)),
            ("fp32, batch 8", () => DecodeRate(fp32, prompts8)),
        };
        var rates = cases.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var rate = cases[c].Run();
                if (round >= 0) rates[c].Add(rate);
            }
        }
        Console.WriteLine($"  Steering decode (tokens/s over all sequences; best [median]; vs fp32 batch 1):");
        var baseline = rates[0].Max();
        var baselineMedian = QuickHarness.Median(rates[0]);
        for (var c = 0; c < cases.Length; c++)
        {
            var relative = c == 0 ? "" : $"  {rates[c].Max() / baseline,5:F2}× [{QuickHarness.Median(rates[c]) / baselineMedian:F2}×]";
            Console.WriteLine($"    {cases[c].Name,-34} {rates[c].Max(),8:F1} [{QuickHarness.Median(rates[c]),6:F1}]{relative}");
        }
    }

    /// <summary>Decode tokens/s (all sequences) of the steps after the prompt.</summary>
    internal static double DecodeRate(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts) =>
        prompts.Count * (NewTokens - 1) / Steering(model, prompts, NewTokens).Decode.TotalSeconds;

    /// <summary>Greedy generation: the time to the first token (the prompt pass) and the time of the steps after it.</summary>
    internal static (TimeSpan Prefill, TimeSpan Decode) Steering(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts, int newTokens)
    {
        var options = new GenerationOptions { MaxNewTokens = newTokens, StopTokens = Array.Empty<int>() };
        var watch = Stopwatch.StartNew();
        var prefill = TimeSpan.Zero;
        var steps = 0;
        foreach (var step in model.GenerateSteps(prompts, options))
        {
            if (steps++ == 0)
            {
                prefill = watch.Elapsed;
                watch.Restart();
            }
        }
        if (steps != newTokens) throw new InvalidOperationException($"generation made {steps} steps, not {newTokens}");
        return (prefill, watch.Elapsed);
    }

    internal static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    internal static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
