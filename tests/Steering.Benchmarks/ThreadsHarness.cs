using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--threads-ab</c>: greedy decode (GPT-2-small shape, the <c>--peers</c> prompt and token counts) with the kernels'
/// threading switched step by step — one thread; one thread with GPT-2's one-row products in one piece (before they
/// were summed in chunks of weight rows); at the thread count given, only the LM head split (as before the helper
/// threads); every product split (the default) — beside llama.cpp at the same thread count, all alternating in every
/// round; then the same for bf16 batch 1 and fp32 batch 8. A short decode-only run for A/B comparisons; <c>--peers</c>
/// gives the full figures.
/// </summary>
public static class ThreadsHarness
{
    private const int PromptTokens = 16;
    private const int NewTokens = 64;

    /// <summary>Runs every variant <paramref name="rounds"/> times after a warm-up, at <paramref name="threads"/> threads.</summary>
    public static int Run(int threads, int rounds)
    {
        LlamaCppPeer.Prepare();
        Console.WriteLine($"decode threading, off vs on — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {PeerHarness.CpuModel()}, {threads} threads; load average {PeerHarness.LoadAverage()}");
        Console.WriteLine($"tokens/s of the {NewTokens - 1} decode steps after a {PromptTokens}-token prompt; median [best] of {rounds} rounds after a warm-up, variants alternating");
        var folder = Directory.CreateTempSubdirectory("steering-threads-").FullName;
        try
        {
            using var fp32 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
            var gguf = PeerHarness.WriteGguf(fp32, folder);
            var prompt = BenchmarkModels.RandomPrompts(1, PromptTokens, fp32.Dimensions.DVocab)[0].ToArray();
            using var llama = new LlamaCppPeer(gguf, threads, 256);
            var one = new[] { prompt };
            using var bf16 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small, ScalarType.BFloat16);
            var eight = BenchmarkModels.RandomPrompts(8, PromptTokens, fp32.Dimensions.DVocab);
            foreach (var (label, model, prompts) in new[] { ("fp32 b1", fp32, (IReadOnlyList<IReadOnlyList<int>>)one), ("bf16 b1", bf16, one), ("fp32 b8", fp32, eight) })
            {
                var variants = new List<(string Name, Func<double> Run)>();
                if (label == "fp32 b1")
                    variants.Add(($"llama.cpp, {threads} threads", () => (NewTokens - 1) / llama.Generate(prompt, NewTokens).Decode.TotalSeconds));
                variants.AddRange(new (string, Func<double>)[]
                {
                    ($"{label}, 1 thread", () => With(1, lmHeadOnly: false, () => PeerHarness.DecodeRate(model, prompts))),
                    ($"{label}, 1 thread, unchunked", () => With(1, lmHeadOnly: true, () => PeerHarness.DecodeRate(model, prompts))),
                    ($"{label}, {threads}: LM head split", () => With(threads, lmHeadOnly: true, () => PeerHarness.DecodeRate(model, prompts))),
                    ($"{label}, {threads}: all split", () => With(threads, lmHeadOnly: false, () => PeerHarness.DecodeRate(model, prompts))),
                });
                Report(variants.ToArray(), rounds, baseline: 0);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        Console.WriteLine($"load average at end: {PeerHarness.LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="measure"/> at <paramref name="threads"/> libtorch threads; <paramref name="lmHeadOnly"/>
    /// splits only products of 4 M weights or more (what the kernels did before the helper threads), which also keeps
    /// GPT-2's one-row products in one piece (no chunks of weight rows).
    /// </summary>
    private static double With(int threads, bool lmHeadOnly, Func<double> measure)
    {
        var minWeights = CpuLinear.MinWeightsPerPart;
        set_num_threads(threads);
        CpuLinear.MinWeightsPerPart = lmHeadOnly ? 1L << 22 : minWeights;
        try
        {
            return measure();
        }
        finally
        {
            CpuLinear.MinWeightsPerPart = minWeights;
        }
    }

    private static void Report((string Name, Func<double> Run)[] variants, int rounds, int? baseline)
    {
        var rates = variants.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                var rate = variants[v].Run();
                if (round >= 0) rates[v].Add(rate);
            }
        }
        Console.WriteLine();
        for (var v = 0; v < variants.Length; v++)
        {
            var relative = baseline is int b && b != v ? $"  {QuickHarness.Median(rates[v]) / QuickHarness.Median(rates[b]),5:F2}× [{rates[v].Max() / rates[b].Max():F2}×] of {variants[b].Name}" : "";
            Console.WriteLine($"  {variants[v].Name,-40} {QuickHarness.Median(rates[v]),7:F1} [{rates[v].Max(),6:F1}]{relative}");
        }
    }
}
