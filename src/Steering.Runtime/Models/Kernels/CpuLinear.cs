using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>
/// The affine maps of the models — x·Wᵀ + b — computed by Steering's kernels instead of libtorch when that is faster:
/// on the CPU with AVX-512 and no autograd graph to build, a decode step's few rows (float32 or float16 weights and at
/// most <see cref="MaxRows"/> rows, or bfloat16 and <see cref="MaxBFloat16Rows"/>) by <see cref="RowKernels"/>, and a
/// prompt's many rows (float32 or float16 weights) by <see cref="ManyRowKernels"/>. Everything else (bfloat16 prompts,
/// other dtypes and devices, training) goes to libtorch.
/// </summary>
/// <remarks>
/// A decode step is a chain of matrix-vector products whose cost is reading the weights. libtorch hands them to MKL's
/// sgemv/sgemm, which on this kind of machine (AMD EPYC, one thread) streams weights at 15–20 GB/s and at 8 rows
/// spends 2.7× its 1-row time; its bfloat16 path reads half the bytes no faster, and its float16 path has no fast CPU
/// kernel at all (1 GB/s for [in, out] weights). The kernels here read the weights in sequential streams — the
/// 768→50257 LM head at 85–100% of the machine's one-thread streaming rate — once for all rows, and widen 16-bit
/// weights to float32 in registers (measured side by side in tests/Steering.Benchmarks, <c>--kernels</c>). With several
/// rows bfloat16 products are compute-bound, and there the kernels are no faster than libtorch's (oneDNN's AVX-512
/// BF16 dot-product instructions, which .NET 10 does not expose: no Avx512Bf16 class, and Avx10v1/Avx10v2 are not
/// reported on this CPU), so they stay with libtorch. Results differ from libtorch's only in float32 summation order.
/// </remarks>
internal static unsafe class CpuLinear
{
    /// <summary>The most rows (batch × positions) <see cref="RowKernels"/> take; beyond it products go to <see cref="ManyRowKernels"/> (or libtorch, for bfloat16).</summary>
    public const int MaxRows = 8;

    /// <summary>The most rows the kernels take with bfloat16 weights (see the remarks; the benchmarks raise it to compare).</summary>
    internal static int MaxBFloat16Rows { get; set; } = 1;

    /// <summary>The most chunks of weight rows a one-row product with [in, out] weights is summed in (see <see cref="RunInputChunks"/>).</summary>
    private const int InputChunks = 8;

    /// <summary>
    /// Below this many weights a product is not split (about 10 µs of streaming at one core's rate: handing a part over
    /// must cost well below that).
    /// </summary>
    internal static long MinWeightsPerPart { get; set; } = 1L << 17;

    /// <summary>Parts per thread: enough that a helper starting late only takes fewer, few enough to keep each a long stream.</summary>
    private const int PartsPerThread = 4;

    /// <summary>
    /// Below this many multiply-adds a product of more than <see cref="MaxRows"/> rows is not split (about 0.1 ms of
    /// <see cref="ManyRowKernels"/>' arithmetic: far above a part's handover).
    /// </summary>
    private const long MinMultiplyAddsPerPart = 1L << 23;

    /// <summary>Whether libtorch's OpenMP threads sleep between operations (<see cref="NativeDefaults"/> makes that the default).</summary>
    private static readonly bool OpenMpSleeps =
        string.Equals(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), "PASSIVE", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// libtorch's intra-op thread count (the user's thread setting), when its OpenMP threads sleep between operations;
    /// otherwise one. A spinning OpenMP thread holds a core the kernels' helper thread would need: measured with
    /// OMP_WAIT_POLICY=ACTIVE at 2 threads, a decode ran at a third of libtorch's speed.
    /// </summary>
    /// <remarks>
    /// libtorch keeps its count during decode steps too: running its small ops on one thread while the kernels split
    /// the products (so that its OpenMP threads never wake on a helper's core) measured no faster
    /// (tests/Steering.Benchmarks/README.md, "twothreads") — at batch 1 those ops are too small for OpenMP to split.
    /// </remarks>
    private static int Threads => OpenMpSleeps ? get_num_threads() : 1;

    /// <summary>Whether the kernels run at all (the benchmarks turn them off to time libtorch side by side).</summary>
    internal static bool Enabled { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>Whether products of more than <see cref="MaxRows"/> rows run on <see cref="ManyRowKernels"/> (the benchmarks turn it off to time libtorch's GEMM side by side).</summary>
    internal static bool ManyRowsEnabled { get; set; } = true;

    /// <summary>nn.functional.linear: <paramref name="weight"/> [out, in], <paramref name="bias"/> [out] or null.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => Linear(x, weight, bias, Threads);

    /// <summary><see cref="Linear(Tensor, Tensor, Tensor?)"/> on at most <paramref name="threads"/> threads.</summary>
    internal static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, int threads) =>
        TryApply(x, weight, bias, weightIsOutIn: true, threads) ?? nn.functional.linear(x, weight, bias);

    /// <summary>GPT-2's Conv1D: <paramref name="weight"/> [in, out], <paramref name="bias"/> [out].</summary>
    public static Tensor Conv1D(Tensor x, Tensor weight, Tensor bias) => Conv1D(x, weight, bias, Threads);

    /// <summary><see cref="Conv1D(Tensor, Tensor, Tensor)"/> on at most <paramref name="threads"/> threads.</summary>
    internal static Tensor Conv1D(Tensor x, Tensor weight, Tensor bias, int threads)
    {
        if (TryApply(x, weight, bias, weightIsOutIn: false, threads) is { } y) return y;
        var shape = x.shape;
        shape[^1] = weight.shape[1];
        return bias.addmm(x.reshape(-1, x.shape[^1]), weight).view(shape);
    }

    private static Tensor? TryApply(Tensor x, Tensor weight, Tensor? bias, bool weightIsOutIn, int threads)
    {
        if (!Enabled || weight.dim() != 2) return null;
        var inFeatures = weight.shape[weightIsOutIn ? 1 : 0];
        var outFeatures = weight.shape[weightIsOutIn ? 0 : 1];
        var dtype = weight.dtype;
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16) || x.dtype != dtype || x.shape[^1] != inFeatures
            || x.device_type != DeviceType.CPU || weight.device_type != DeviceType.CPU || !weight.is_contiguous()
            || inFeatures > int.MaxValue || outFeatures > int.MaxValue)
            return null;
        if (bias is not null && (bias.dtype != dtype || bias.device_type != DeviceType.CPU || bias.shape is not [var length] || length != outFeatures || !bias.is_contiguous()))
            return null;
        var rows = x.NumberOfElements / inFeatures;
        if (rows == 0 || rows > int.MaxValue || (rows > (dtype == ScalarType.BFloat16 ? MaxBFloat16Rows : MaxRows) && !TakesManyRows(dtype))) return null;
        if (is_grad_enabled() && (x.requires_grad || weight.requires_grad || bias?.requires_grad == true)) return null;
        return dtype switch
        {
            ScalarType.BFloat16 => Apply<BFloat16Elements, ushort>(x, weight, bias, weightIsOutIn, threads, rows, inFeatures, outFeatures),
            ScalarType.Float16 => Apply<Float16Elements, ushort>(x, weight, bias, weightIsOutIn, threads, rows, inFeatures, outFeatures),
            _ => Apply<Float32Elements, float>(x, weight, bias, weightIsOutIn, threads, rows, inFeatures, outFeatures),
        };
    }

    /// <summary>The product on the kernels, for weights stored as <typeparamref name="T"/> (the checks are <see cref="TryApply"/>'s).</summary>
    private static Tensor Apply<TE, T>(Tensor x, Tensor weight, Tensor? bias, bool weightIsOutIn, int threads, long rows, long inFeatures, long outFeatures)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var dtype = weight.dtype;
        // float32 input is read in place; 16-bit input is widened once into native memory. Up to MaxRows rows the
        // kernels write 16-bit outputs themselves (no libtorch conversions: two calls per product, each cold in a decode
        // step); ManyRowKernels writes float32, converted by libtorch.
        var contiguous = x.is_contiguous() ? x : x.contiguous();
        var shape = x.shape;
        shape[^1] = outFeatures;
        var direct = dtype == ScalarType.Float32 || rows <= MaxRows;
        var output = empty(shape, direct ? dtype : ScalarType.Float32);
        var widened = dtype == ScalarType.Float32 ? null : (float*)NativeMemory.AlignedAlloc((nuint)(rows * inFeatures * sizeof(float)), 64);
        try
        {
            var input = TensorMemory.Address(contiguous);
            if (widened is not null) RowKernels.Widen<TE, T>((T*)input, widened, rows * inFeatures);
            var problem = new Problem<TE, T>(TensorMemory.Address(weight), bias is null ? 0 : TensorMemory.Address(bias), widened is null ? input : (nint)widened,
                TensorMemory.Address(output), (int)rows, (int)inFeatures, (int)outFeatures, weightIsOutIn);
            Run(problem, threads);
            if (direct) return output;
            using (output) return output.to(dtype);
        }
        finally
        {
            if (widened is not null) NativeMemory.AlignedFree(widened);
            if (!ReferenceEquals(contiguous, x)) contiguous.Dispose();
        }
    }

    /// <summary>
    /// Whether products of more than <see cref="MaxRows"/> rows go to <see cref="ManyRowKernels"/>: float32 and float16
    /// weights (libtorch's float32 GEMM is MKL's AVX2 code on AMD, its float16 one has no fast CPU kernel), not bfloat16
    /// (oneDNN's AVX-512 BF16 GEMM is faster than widening to float32).
    /// </summary>
    private static bool TakesManyRows(ScalarType dtype) => ManyRowsEnabled && (dtype != ScalarType.BFloat16 || ManyRowsTakeBFloat16);

    /// <summary>Whether bfloat16 products of more than <see cref="MaxRows"/> rows go to <see cref="ManyRowKernels"/> too (off; the benchmarks turn it on to compare).</summary>
    internal static bool ManyRowsTakeBFloat16 { get; set; }

    /// <summary>
    /// Splits the output columns (whole groups of 48) into parts for up to <paramref name="threads"/> threads
    /// (<see cref="KernelThreads"/>): several parts per thread, so a helper that starts late only takes fewer.
    /// </summary>
    private static void Run<TE, T>(Problem<TE, T> problem, int threads) where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var weights = (long)problem.InFeatures * problem.OutFeatures;
        if (problem is { WeightIsOutIn: false, Rows: 1 })
        {
            var chunks = (int)Math.Clamp(weights / MinWeightsPerPart, 1, InputChunks);
            if (chunks > 1)
            {
                RunInputChunks(problem, chunks, threads);
                return;
            }
        }
        var parts = (int)Math.Clamp(problem.Rows > MaxRows ? weights * problem.Rows / MinMultiplyAddsPerPart : weights / MinWeightsPerPart,
            1, Math.Max(1, threads) * PartsPerThread);
        if (threads <= 1 || parts == 1)
        {
            problem.Compute(0, problem.OutFeatures);
            return;
        }
        // Whole strips of 48 columns (RowKernels' [in, out] kernel), so each column is summed the same way however split
        // (and ManyRowKernels' tiles, so no part ends in a partial tile).
        var step = (problem.OutFeatures / parts + 47) / 48 * 48;
        KernelThreads.For((problem.OutFeatures + step - 1) / step, threads, new Columns<TE, T>(problem, step));
    }

    /// <summary>
    /// One row against [in, out] weights in <paramref name="chunks"/> chunks of weight rows, each summed into its own
    /// row of partial sums, then added up in chunk order: every part reads whole weight rows, one sequential stream,
    /// where a split by columns would read a short piece of every row (strided streams the prefetchers lose: split in
    /// two that way, GPT-2's per-layer products ran slower than on one thread). The chunks depend on the shape only,
    /// so the result does not depend on the thread count.
    /// </summary>
    private static void RunInputChunks<TE, T>(Problem<TE, T> problem, int chunks, int threads) where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var chunkRows = (problem.InFeatures + chunks - 1) / chunks;
        chunks = (problem.InFeatures + chunkRows - 1) / chunkRows;
        var partials = (float*)NativeMemory.AlignedAlloc((nuint)((long)chunks * problem.OutFeatures * sizeof(float)), 64);
        try
        {
            KernelThreads.For(chunks, threads, new InputRows<TE, T>(problem, chunkRows, (nint)partials));
            problem.Add(partials, chunks);
        }
        finally
        {
            NativeMemory.AlignedFree(partials);
        }
    }

    /// <summary>Chunk c of <paramref name="ChunkRows"/> weight rows into row c of <paramref name="Partials"/>.</summary>
    private readonly record struct InputRows<TE, T>(Problem<TE, T> Problem, int ChunkRows, nint Partials) : IKernelParts
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        public void Run(int part) => Problem.ComputeInputRows(part * ChunkRows, ChunkRows, (float*)Partials + (long)part * Problem.OutFeatures);
    }

    /// <summary>A product's output columns in parts of <paramref name="Step"/> (a multiple of 48).</summary>
    private readonly record struct Columns<TE, T>(Problem<TE, T> Problem, int Step) : IKernelParts
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        public void Run(int part)
        {
            var first = part * Step;
            Problem.Compute(first, Math.Min(Problem.OutFeatures, first + Step));
        }
    }

    /// <summary>One product's operands (addresses of tensors the caller keeps alive; the input float32, weights, bias and output <typeparamref name="T"/>) and shape.</summary>
    private readonly record struct Problem<TE, T>(nint Weight, nint Bias, nint Input, nint Output, int Rows, int InFeatures, int OutFeatures, bool WeightIsOutIn)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        public void Compute(int first, int end)
        {
            if (Rows > MaxRows)
                ManyRowKernels.Compute<TE, T>((T*)Weight, (T*)Bias, (float*)Input, (float*)Output, Rows, InFeatures, OutFeatures, WeightIsOutIn, first, end);
            else if (WeightIsOutIn)
                RowKernels.OutIn<TE, T>((T*)Weight, (T*)Bias, (float*)Input, (T*)Output, Rows, InFeatures, OutFeatures, first, end);
            else
                RowKernels.InOut<TE, T>((T*)Weight, (T*)Bias, (float*)Input, (T*)Output, Rows, InFeatures, OutFeatures, first, end);
        }

        /// <summary>Σ x[i]·w[i, :] over the <paramref name="count"/> weight rows from <paramref name="first"/> ([in, out], one row), into <paramref name="sums"/>.</summary>
        public void ComputeInputRows(int first, int count, float* sums) =>
            RowKernels.InOutSums<TE, T>((T*)Weight + (long)first * OutFeatures, (float*)Input + first, sums, Math.Min(count, InFeatures - first), OutFeatures);

        /// <summary>The output row: bias + the <paramref name="count"/> rows of <paramref name="partials"/>, added in order.</summary>
        public void Add(float* partials, int count) => RowKernels.AddRows<TE, T>((T*)Bias, partials, count, OutFeatures, (T*)Output);
    }
}
