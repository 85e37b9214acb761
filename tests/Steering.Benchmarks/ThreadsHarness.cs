using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--threads-ab</c>: greedy decode (GPT-2-small shape, the <c>--peers</c> prompt and token counts) with the kernels'
/// threading switched step by step — one thread; at the thread count given, only the LM head split; every product
/// split; every product split with libtorch on one thread during decode steps (the default) — beside llama.cpp at the
/// same thread count, all alternating in every round. Then bf16 batch 1 and fp32 batch 8 with the kernels' threading
/// off and on. A short decode-only run for A/B comparisons; <c>--peers</c> gives the full figures.
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
            var gguf = Path.Combine(folder, "gpt2-small-random.f32.gguf");
            GgufModelExport.Write(fp32, gguf, GgmlType.F32);
            var prompt = BenchmarkModels.RandomPrompts(1, PromptTokens, fp32.Dimensions.DVocab)[0].ToArray();
            using var llama = new LlamaCppPeer(gguf, threads, 256);
            var one = new[] { prompt };
            var variants = new (string Name, Func<double> Run)[]
            {
                ($"llama.cpp, {threads} threads", () => (NewTokens - 1) / llama.Generate(prompt, NewTokens).Decode.TotalSeconds),
                ("Steering, 1 thread", () => With(1, lmHeadOnly: false, libtorchYields: true, () => PeerHarness.DecodeRate(fp32, one))),
                ($"Steering, {threads}: LM head split", () => With(threads, lmHeadOnly: true, libtorchYields: false, () => PeerHarness.DecodeRate(fp32, one))),
                ($"Steering, {threads}: all split", () => With(threads, lmHeadOnly: false, libtorchYields: false, () => PeerHarness.DecodeRate(fp32, one))),
                ($"Steering, {threads}: all split, libtorch 1", () => With(threads, lmHeadOnly: false, libtorchYields: true, () => PeerHarness.DecodeRate(fp32, one))),
                ($"Steering, {threads}: ..., spin 50 µs", () => Spinning(50, () => With(threads, lmHeadOnly: false, libtorchYields: true, () => PeerHarness.DecodeRate(fp32, one)))),
                ($"Steering, {threads}: ..., spin 0", () => Spinning(0, () => With(threads, lmHeadOnly: false, libtorchYields: true, () => PeerHarness.DecodeRate(fp32, one)))),
            };
            Report(variants, rounds, baseline: 0);

            using var bf16 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small, ScalarType.BFloat16);
            var eight = BenchmarkModels.RandomPrompts(8, PromptTokens, fp32.Dimensions.DVocab);
            var others = new (string Name, Func<double> Run)[]
            {
                ("bf16 b1, 1 thread", () => With(1, false, true, () => PeerHarness.DecodeRate(bf16, one))),
                ($"bf16 b1, {threads}: LM head split", () => With(threads, true, false, () => PeerHarness.DecodeRate(bf16, one))),
                ($"bf16 b1, {threads}: all split, libtorch 1", () => With(threads, false, true, () => PeerHarness.DecodeRate(bf16, one))),
                ("fp32 b8, 1 thread", () => With(1, false, true, () => PeerHarness.DecodeRate(fp32, eight))),
                ($"fp32 b8, {threads}: LM head split", () => With(threads, true, false, () => PeerHarness.DecodeRate(fp32, eight))),
                ($"fp32 b8, {threads}: all split, libtorch 1", () => With(threads, false, true, () => PeerHarness.DecodeRate(fp32, eight))),
            };
            Report(others, rounds, baseline: null);
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
    /// splits only products of 4 M weights or more (what the kernels did before dedicated helper threads);
    /// <paramref name="libtorchYields"/>: libtorch runs decode steps on one thread (<see cref="FewRowPassThreads"/>).
    /// </summary>
    private static double With(int threads, bool lmHeadOnly, bool libtorchYields, Func<double> measure)
    {
        var (minWeights, passThreads) = (FewRowLinear.MinWeightsPerPart, FewRowPassThreads.Enabled);
        set_num_threads(threads);
        FewRowLinear.MinWeightsPerPart = lmHeadOnly ? 1L << 22 : minWeights;
        FewRowPassThreads.Enabled = libtorchYields;
        try
        {
            return measure();
        }
        finally
        {
            (FewRowLinear.MinWeightsPerPart, FewRowPassThreads.Enabled) = (minWeights, passThreads);
        }
    }

    private static double Spinning(int microseconds, Func<double> measure)
    {
        var spin = KernelThreads.SpinTime;
        KernelThreads.SpinTime = TimeSpan.FromMicroseconds(microseconds);
        try
        {
            return measure();
        }
        finally
        {
            KernelThreads.SpinTime = spin;
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
