using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--kernels</c>: the decode-step affine maps computed by libtorch (MKL) and by Steering's few-row kernels
/// (<see cref="CpuLinear"/>), side by side in one run: first each GPT-2-small weight shape alone (weights cycled
/// through more copies than the caches hold, so every product reads from memory), then whole greedy decodes. The two
/// alternate within every round so outside load falls on both alike; each figure is the median [best] of the rounds.
/// </summary>
public static class KernelHarness
{
    /// <summary>GPT-2-small's four per-layer affine maps and its LM head (also <c>--gemm</c>'s shapes).</summary>
    internal static readonly (string Name, long In, long Out)[] Shapes =
    {
        ("c_attn 768→2304", 768, 2304), ("attn c_proj 768→768", 768, 768), ("c_fc 768→3072", 768, 3072),
        ("mlp c_proj 3072→768", 3072, 768), ("LM head 768→50257", 768, 50257),
    };

    /// <param name="threads">libtorch's intra-op threads, which the kernels use too.</param>
    /// <param name="rounds">Timed rounds after the warm-up.</param>
    /// <param name="products">Also time each weight shape alone (off: whole decodes only).</param>
    public static int Run(int threads, int rounds, bool products = true)
    {
        set_num_threads(threads);
        Console.WriteLine($"libtorch vs Steering's few-row kernels — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {PeerHarness.CpuModel()}, {get_num_threads()} thread(s)");
        Console.WriteLine($"load average at start: {PeerHarness.LoadAverage()}; each figure: median [best] of {rounds} rounds after a warm-up, the two alternating");
        if (products)
        {
            Ceiling(rounds);
            Products(rounds);
        }
        Decodes(rounds);
        Console.WriteLine($"load average at end: {PeerHarness.LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// The ceiling a batch-1 product can reach: one thread summing 256 MB with AVX-512 loads (every byte from memory,
    /// as in a product whose weights outgrow the caches), median [best] of the rounds.
    /// </summary>
    private static unsafe void Ceiling(int rounds)
    {
        const long bytes = 256L << 20;
        var memory = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            new Span<float>(memory, (int)(bytes / sizeof(float))).Fill(1f);
            var rates = new List<double>();
            for (var round = -1; round < rounds * 4; round++)
            {
                var watch = Stopwatch.StartNew();
                var sum = StreamingSum(memory, bytes / sizeof(float));
                var rate = bytes / watch.Elapsed.TotalSeconds / 1e9;
                if (sum != bytes / sizeof(float)) throw new InvalidOperationException("streaming sum miscounted");
                if (round >= 0) rates.Add(rate);
            }
            Console.WriteLine();
            Console.WriteLine($"memory streaming ceiling, 1 thread (Vector512 sum over {bytes >> 20} MB): {Figure(rates, best: true)} GB/s");
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static unsafe float StreamingSum(float* values, long count)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (long i = 0; i < count; i += 64)
        {
            a0 += Vector512.LoadAligned(values + i);
            a1 += Vector512.LoadAligned(values + i + 16);
            a2 += Vector512.LoadAligned(values + i + 32);
            a3 += Vector512.LoadAligned(values + i + 48);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3);
    }

    private static void Products(int rounds)
    {
        using var noGrad = no_grad();
        using (var tiny = NewDisposeScope())
        {
            // What a call costs beside its arithmetic: a 16→16 product (256 weights, in L1).
            var (x, weight) = (randn(1, 16), randn(16, 16));
            var overhead = Alternate(rounds * 4, _ =>
            {
                const int Calls = 2000;
                var watch = Stopwatch.StartNew();
                for (var call = 0; call < Calls; call++) CpuLinear.Linear(x, weight, null).Dispose();
                return watch.Elapsed.TotalMilliseconds * 1000 / Calls;
            });
            Console.WriteLine();
            Console.WriteLine($"cost of one call (16→16 product, µs): libtorch {Figure(overhead[0])}  kernels {Figure(overhead[1])}");
        }
        Console.WriteLine();
        Console.WriteLine("one product, weights read from memory (ms; GB/s of weights):");
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 })
        foreach (var rows in new[] { 1, 4, 8 })
        foreach (var (name, inFeatures, outFeatures) in Shapes)
        {
            using var scope = NewDisposeScope();
            var copies = (int)Math.Max(2, 256_000_000 / (inFeatures * outFeatures * 4));
            var outIn = Enumerable.Range(0, copies).Select(_ => randn(outFeatures, inFeatures).to(dtype)).ToArray();
            var inOut = outIn.Select(w => w.t().contiguous()).ToArray();
            var bias = randn(outFeatures).to(dtype);
            var x = randn(rows, inFeatures).to(dtype);
            var next = 0;
            // GPT-2 stores its affine maps [in, out] (Conv1D), Llama-family models and every LM head [out, in].
            var isConv1D = !name.StartsWith("LM", StringComparison.Ordinal);
            // bfloat16 with several rows stays with libtorch by default; the kernels' figure is taken anyway, to compare.
            var bfloat16Rows = CpuLinear.MaxBFloat16Rows;
            CpuLinear.MaxBFloat16Rows = CpuLinear.MaxRows;
            var times = Alternate(rounds * 8, _ =>
            {
                next = (next + 1) % copies;
                var watch = Stopwatch.StartNew();
                using var product = isConv1D ? CpuLinear.Conv1D(x, inOut[next], bias) : CpuLinear.Linear(x, outIn[next], null);
                return watch.Elapsed.TotalMilliseconds;
            });
            CpuLinear.MaxBFloat16Rows = bfloat16Rows;
            var bytes = inFeatures * outFeatures * (dtype == ScalarType.Float32 ? 4 : 2);
            Console.WriteLine($"  {dtype,-8} {rows} row{(rows == 1 ? " " : "s")} {name,-22} libtorch {Figure(times[0])} ms ({bytes / QuickHarness.Median(times[0]) / 1e6,4:F1} GB/s)  " +
                $"kernels {Figure(times[1])} ms ({bytes / QuickHarness.Median(times[1]) / 1e6,4:F1} GB/s)  {QuickHarness.Median(times[0]) / QuickHarness.Median(times[1]),5:F2}×");
        }
    }

    private static void Decodes(int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"greedy decode, GPT-2-small shape, {GenerationBenchmarks.PromptTokens}-token prompts, {GenerationBenchmarks.NewTokens} new tokens (tokens/s over all sequences, prompt pass excluded):");
        using var fp32 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
        using var bf16 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small, ScalarType.BFloat16);
        using var f16 = BenchmarkModels.Create(BenchmarkModels.Gpt2Small, ScalarType.Float16);
        var one = BenchmarkModels.RandomPrompts(1, GenerationBenchmarks.PromptTokens, fp32.Dimensions.DVocab);
        var created = Alternate(1, _ => TensorsPerStep(fp32, one));
        Console.WriteLine($"  tensors created per decode step (each one libtorch call or more), batch 1: libtorch {created[0][0]:F0}, kernels {created[1][0]:F0}");
        foreach (var (name, model, batch) in new[] { ("fp32, batch 1", fp32, 1), ("bf16, batch 1", bf16, 1), ("f16, batch 1", f16, 1), ("fp32, batch 4", fp32, 4), ("fp32, batch 8", fp32, 8), ("bf16, batch 8", bf16, 8) })
        {
            var prompts = BenchmarkModels.RandomPrompts(batch, GenerationBenchmarks.PromptTokens, model.Dimensions.DVocab);
            var rates = Alternate(rounds, _ => PeerHarness.DecodeRate(model, prompts));
            Console.WriteLine($"  {name,-14} libtorch {Figure(rates[0], best: true)}  kernels {Figure(rates[1], best: true)}  {QuickHarness.Median(rates[1]) / QuickHarness.Median(rates[0]),5:F2}×");
        }
    }

    /// <summary>Measures with the kernels off and on, alternating, after one warm-up of each: [off, on].</summary>
    private static List<double>[] Alternate(int rounds, Func<bool, double> measure) =>
        Alternate(rounds, measure, () => CpuLinear.Enabled, on => CpuLinear.Enabled = on);

    /// <summary>Measures with a switch (<paramref name="get"/>, <paramref name="set"/>) off and on, alternating, after one warm-up of each: [off, on]; the switch is restored after.</summary>
    internal static List<double>[] Alternate(int rounds, Func<bool, double> measure, Func<bool> get, Action<bool> set)
    {
        var results = new[] { new List<double>(), new List<double>() };
        var was = get();
        try
        {
            for (var round = -1; round < rounds; round++)
            {
                foreach (var on in new[] { false, true })
                {
                    set(on);
                    var value = measure(on);
                    if (round >= 0) results[on ? 1 : 0].Add(value);
                }
            }
        }
        finally
        {
            set(was);
        }
        return results;
    }

    /// <summary>TorchSharp tensors created on this thread per decode step (the prompt pass excluded).</summary>
    private static double TensorsPerStep(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        long Created() => statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        var options = GenerationBenchmarks.Options;
        long afterPrompt = 0, steps = 0;
        foreach (var _ in model.GenerateSteps(prompts, options))
            if (steps++ == 0) afterPrompt = Created();
        return (Created() - afterPrompt) / (double)(steps - 1);
    }

    internal static string Figure(List<double> values, bool best = false) =>
        $"{QuickHarness.Median(values),7:F3} [{(best ? values.Max() : values.Min()),7:F3}]";
}
