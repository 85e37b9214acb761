using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--gemm</c>: a prompt's affine maps computed by libtorch (MKL's sgemm for float32) and by Steering's many-row
/// kernels (<see cref="ManyRowKernels"/>), side by side in one run: each GPT-2-small prefill shape alone at several row
/// counts (GFLOP/s; weights cycled through more copies than the caches hold, as in a forward pass), then the whole
/// 1×128 prefill of a GPT-2-small-shaped model with the many-row kernels off and on. The two alternate within every
/// round so outside load falls on both alike; each figure is the median [best] of the rounds.
/// </summary>
public static class GemmHarness
{
    private const int PrefillTokens = 128;

    /// <param name="threads">libtorch's intra-op threads, which the kernels use too.</param>
    /// <param name="rounds">Timed rounds after the warm-up.</param>
    /// <param name="rowCounts">Rows per product.</param>
    /// <param name="dtypes">Weight (and input) types of the products: float32, float16, bfloat16.</param>
    public static int Run(int threads, int rounds, IReadOnlyList<int> rowCounts, IReadOnlyList<string> dtypes)
    {
        set_num_threads(threads);
        Console.WriteLine($"libtorch vs Steering's many-row kernels — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {PeerHarness.CpuModel()}, {get_num_threads()} thread(s)");
        Console.WriteLine($"load average at start: {PeerHarness.LoadAverage()}; each figure: median [best] of {rounds} rounds after a warm-up, the two alternating");
        var types = dtypes.Select(name => name switch
        {
            "float32" => ScalarType.Float32,
            "float16" => ScalarType.Float16,
            "bfloat16" => ScalarType.BFloat16,
            _ => throw new ArgumentException($"--dtypes: unknown type '{name}' (float32, float16, bfloat16)"),
        }).ToArray();
        Products(rounds, rowCounts, types);
        Prefill(rounds);
        Console.WriteLine($"load average at end: {PeerHarness.LoadAverage()}");
        return 0;
    }

    /// <summary>Times each shape at each row count, libtorch and the kernels alternating.</summary>
    private static void Products(int rounds, IReadOnlyList<int> rowCounts, IReadOnlyList<ScalarType> dtypes)
    {
        using var noGrad = no_grad();
        // bfloat16 prompts stay with libtorch by default; the kernels' figure is taken anyway, to compare.
        CpuLinear.ManyRowsTakeBFloat16 = true;
        Console.WriteLine();
        Console.WriteLine("one product (ms; GFLOP/s): [in, out] weights as GPT-2's Conv1D, [out, in] as the LM head (and Llama-family maps)");
        foreach (var dtype in dtypes)
        foreach (var rows in rowCounts)
        foreach (var (name, inFeatures, outFeatures) in KernelHarness.Shapes)
        {
            using var scope = NewDisposeScope();
            var copies = (int)Math.Max(2, 256_000_000 / (inFeatures * outFeatures * 4));
            var isConv1D = !name.StartsWith("LM", StringComparison.Ordinal);
            var weights = Enumerable.Range(0, copies).Select(_ => isConv1D ? randn(inFeatures, outFeatures).to(dtype) : randn(outFeatures, inFeatures).to(dtype)).ToArray();
            var bias = randn(outFeatures).to(dtype);
            var x = randn(rows, inFeatures).to(dtype);
            var next = 0;
            var times = KernelHarness.Alternate(rounds * 4, _ =>
            {
                next = (next + 1) % copies;
                var watch = Stopwatch.StartNew();
                using var product = isConv1D ? CpuLinear.Conv1D(x, weights[next], bias) : CpuLinear.Linear(x, weights[next], null);
                return watch.Elapsed.TotalMilliseconds;
            }, () => CpuLinear.ManyRowsEnabled, on => CpuLinear.ManyRowsEnabled = on);
            var flops = 2.0 * rows * inFeatures * outFeatures;
            double libtorch = QuickHarness.Median(times[0]), kernels = QuickHarness.Median(times[1]);
            Console.WriteLine($"  {dtype,-8} {rows,3} rows {name,-22} libtorch {KernelHarness.Figure(times[0])} ms ({flops / libtorch / 1e6,5:F1})  " +
                $"kernels {KernelHarness.Figure(times[1])} ms ({flops / kernels / 1e6,5:F1})  {libtorch / kernels,5:F2}×");
        }
        CpuLinear.ManyRowsTakeBFloat16 = false;
    }

    /// <summary>The 1×128 prompt pass to the first token (GPT-2-small shape, float32), many-row kernels off and on.</summary>
    private static void Prefill(int rounds)
    {
        using var model = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
        var prompt = BenchmarkModels.RandomPrompts(1, PrefillTokens, model.Dimensions.DVocab, BenchmarkModels.Seed + 2);
        var times = KernelHarness.Alternate(rounds, _ => PeerHarness.Steering(model, prompt, 1).Prefill.TotalMilliseconds,
            () => CpuLinear.ManyRowsEnabled, on => CpuLinear.ManyRowsEnabled = on);
        Console.WriteLine();
        Console.WriteLine($"prefill 1×{PrefillTokens} to the first token, GPT-2-small shape, float32 (ms): libtorch {KernelHarness.Figure(times[0])}  " +
            $"kernels {KernelHarness.Figure(times[1])}  {QuickHarness.Median(times[0]) / QuickHarness.Median(times[1]),5:F2}×");
    }
}
