using System;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
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
internal static unsafe class FewRowLinear
{
    /// <summary>The most rows (batch × positions) <see cref="RowKernels"/> take; beyond it products go to <see cref="ManyRowKernels"/> (or libtorch, for bfloat16).</summary>
    public const int MaxRows = 8;

    /// <summary>The most rows the kernels take with bfloat16 weights (see the remarks; the benchmarks raise it to compare).</summary>
    internal static int MaxBFloat16Rows { get; set; } = 1;

    /// <summary>
    /// Below this many weights per thread a product stays on one thread: handing work to a thread-pool thread costs
    /// more than it saves unless the product is large. Measured at 2 threads (<c>--kernels --threads 2</c>): split in two,
    /// GPT-2-small's per-layer products (0.6–2.4 M weights) ran 1.5–2.3× slower than on one thread, the 38.6 M-weight
    /// LM head 1.6× faster.
    /// </summary>
    private const long MinWeightsPerThread = 1L << 22;

    /// <summary>
    /// Below this many multiply-adds per thread a product of more than <see cref="MaxRows"/> rows stays on one thread
    /// (a quarter of a millisecond of <see cref="ManyRowKernels"/>' arithmetic, against tens of microseconds to wake a
    /// thread-pool thread).
    /// </summary>
    private const long MinMultiplyAddsPerThread = 1L << 25;

    /// <summary>Pieces per thread a product of more than <see cref="MaxRows"/> rows is cut into (see <see cref="Run"/>).</summary>
    private const int PiecesPerThread = 4;

    /// <summary>Whether libtorch's OpenMP threads sleep between operations (<see cref="NativeDefaults"/> makes that the default).</summary>
    private static readonly bool OpenMpSleeps =
        string.Equals(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), "PASSIVE", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// libtorch's intra-op thread count, when its OpenMP threads sleep between operations; otherwise one. A spinning
    /// OpenMP thread holds a core the kernels' second thread (from the .NET thread pool) would need: measured with
    /// OMP_WAIT_POLICY=ACTIVE at 2 threads, a decode ran at a third of libtorch's speed.
    /// </summary>
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
        if (ElementsOf(dtype) is not { } elements || x.dtype != dtype || x.shape[^1] != inFeatures
            || x.device_type != DeviceType.CPU || weight.device_type != DeviceType.CPU || !weight.is_contiguous()
            || inFeatures > int.MaxValue || outFeatures > int.MaxValue)
            return null;
        if (bias is not null && (bias.dtype != dtype || bias.device_type != DeviceType.CPU || bias.shape is not [var length] || length != outFeatures || !bias.is_contiguous()))
            return null;
        var rows = x.NumberOfElements / inFeatures;
        if (rows == 0 || rows > int.MaxValue || (rows > (dtype == ScalarType.BFloat16 ? MaxBFloat16Rows : MaxRows) && !TakesManyRows(dtype))) return null;
        if (is_grad_enabled() && (x.requires_grad || weight.requires_grad || bias?.requires_grad == true)) return null;

        // float32 input is read in place; 16-bit input is widened once (the kernels compute in float32).
        var input = dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);
        var contiguous = input.is_contiguous() ? input : input.contiguous();
        var shape = x.shape;
        shape[^1] = outFeatures;
        var output = empty(shape, ScalarType.Float32);
        try
        {
            var problem = new Problem(TensorMemory.Address(weight), bias is null ? 0 : TensorMemory.Address(bias), TensorMemory.Address(contiguous), TensorMemory.Address(output),
                (int)rows, (int)inFeatures, (int)outFeatures, weightIsOutIn, elements);
            Run(problem, threads);
            if (dtype == ScalarType.Float32) return output;
            using (output) return output.to(dtype);
        }
        finally
        {
            if (!ReferenceEquals(contiguous, x)) contiguous.Dispose();
            if (!ReferenceEquals(input, x)) input.Dispose();
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

    private static Elements? ElementsOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Elements.Float32,
        ScalarType.BFloat16 => Elements.BFloat16,
        ScalarType.Float16 => Elements.Float16,
        _ => null,
    };

    /// <summary>Splits the output columns (whole groups of 48) over up to <paramref name="threads"/> threads.</summary>
    private static void Run(Problem problem, int threads)
    {
        var weights = (long)problem.InFeatures * problem.OutFeatures;
        var perThread = problem.Rows > MaxRows ? weights * problem.Rows / MinMultiplyAddsPerThread : weights / MinWeightsPerThread;
        var parts = (int)Math.Clamp(perThread, 1, Math.Max(1, threads));
        if (parts == 1)
        {
            problem.Compute(0, problem.OutFeatures);
            return;
        }
        // A prompt's product is cut into more pieces than threads, handed out as threads come free: a thread that starts
        // late (woken late, or its core busy with another process) then takes fewer pieces instead of holding up the end.
        var pieces = problem.Rows > MaxRows ? Math.Min(parts * PiecesPerThread, (problem.OutFeatures + 47) / 48) : parts;
        // Whole strips of 48 columns (RowKernels' [in, out] kernel), so each column is summed the same way however split
        // (and ManyRowKernels' tiles, so no piece ends in a partial tile).
        var step = (problem.OutFeatures / pieces + 47) / 48 * 48;
        Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = parts }, piece =>
        {
            var first = Math.Min(problem.OutFeatures, piece * step);
            var end = piece == pieces - 1 ? problem.OutFeatures : Math.Min(problem.OutFeatures, first + step);
            if (first < end) problem.Compute(first, end);
        });
    }

    /// <summary>The weight storage types the kernels read.</summary>
    private enum Elements
    {
        Float32,
        BFloat16,
        Float16,
    }

    /// <summary>One product's operands (addresses of tensors the caller keeps alive) and shape.</summary>
    private readonly record struct Problem(nint Weight, nint Bias, nint Input, nint Output, int Rows, int InFeatures, int OutFeatures, bool WeightIsOutIn, Elements Elements)
    {
        public void Compute(int first, int end)
        {
            switch (Elements)
            {
                case Elements.BFloat16:
                    Compute<BFloat16Elements, ushort>(first, end);
                    break;
                case Elements.Float16:
                    Compute<Float16Elements, ushort>(first, end);
                    break;
                default:
                    Compute<Float32Elements, float>(first, end);
                    break;
            }
        }

        private void Compute<TE, T>(int first, int end) where TE : struct, IWeightElements<T> where T : unmanaged
        {
            if (Rows > MaxRows)
                ManyRowKernels.Compute<TE, T>((T*)Weight, (T*)Bias, (float*)Input, (float*)Output, Rows, InFeatures, OutFeatures, WeightIsOutIn, first, end);
            else if (WeightIsOutIn)
                RowKernels.OutIn<TE, T>((T*)Weight, (T*)Bias, (float*)Input, (float*)Output, Rows, InFeatures, OutFeatures, first, end);
            else
                RowKernels.InOut<TE, T>((T*)Weight, (T*)Bias, (float*)Input, (float*)Output, Rows, InFeatures, OutFeatures, first, end);
        }
    }
}
