using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Steering.Models.Kernels;

/// <summary>
/// y = x·Wᵀ + b (or x·W + b) for a few rows of x (decode steps: one row per sequence), written for memory bandwidth:
/// every weight is read from memory once per call whatever the number of rows, 16 floats per AVX-512 load, with
/// float32 accumulation. Inputs and outputs are float32; weights are float32 or bfloat16 (read through an <see cref="IWeightElements{T}"/>).
/// Each method computes a range of output columns, so callers can split one product across threads.
/// </summary>
internal static unsafe class RowKernels
{
    /// <summary>Columns of y per block in <see cref="InOut{TE,T}"/>: four weight rows of it (16 KiB of float32) stay in L1.</summary>
    private const int ColumnBlock = 1024;

    /// <summary>
    /// Weights stored [out, in] (nn.Linear): y[r, o] = bias[o] + Σᵢ x[r, i]·w[o, i] for o in [<paramref name="first"/>,
    /// <paramref name="end"/>). Four weight rows at a time against up to four x rows, so the weights stream once
    /// while the x rows (a few KiB) stay in cache.
    /// </summary>
    // Fully optimized from the first call: a tier-0 (unoptimized) vector loop is many times slower, and a decode step
    // would run it dozens of times before tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutIn<TE, T>(T* w, T* bias, float* x, float* y, int rows, int inFeatures, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var sums = stackalloc float[16];
        for (var o = first; o < end; o += 4)
        {
            var valid = System.Math.Min(4, end - o);
            // A ragged last group repeats its last row; the repeats are computed and not stored.
            var w0 = w + (long)o * inFeatures;
            var w1 = valid > 1 ? w0 + inFeatures : w0;
            var w2 = valid > 2 ? w0 + 2L * inFeatures : w1;
            var w3 = valid > 3 ? w0 + 3L * inFeatures : w2;
            for (var r = 0; r < rows; r += 4)
            {
                var group = System.Math.Min(4, rows - r);
                float* x0 = x + (long)r * inFeatures, x1 = group > 1 ? x0 + inFeatures : x0;
                float* x2 = group > 2 ? x0 + 2L * inFeatures : x1, x3 = group > 3 ? x0 + 3L * inFeatures : x2;
                if (group == 1) DotTile<TE, T, One>(w0, w1, w2, w3, x0, x1, x2, x3, inFeatures, sums);
                else if (group == 2) DotTile<TE, T, Two>(w0, w1, w2, w3, x0, x1, x2, x3, inFeatures, sums);
                else DotTile<TE, T, Four>(w0, w1, w2, w3, x0, x1, x2, x3, inFeatures, sums);
                for (var g = 0; g < group; g++)
                {
                    var row = y + (long)(r + g) * outFeatures + o;
                    for (var k = 0; k < valid; k++)
                        row[k] = sums[g * 4 + k] + (bias is null ? 0f : TE.Scalar(bias[o + k]));
                }
            }
        }
    }

    /// <summary>
    /// Weights stored [in, out] (GPT-2's Conv1D): y[r, j] = bias[j] + Σᵢ x[r, i]·w[i, j] for j in [<paramref name="first"/>,
    /// <paramref name="end"/>). Streams weight rows in column blocks, adding four rows' worth into y per pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InOut<TE, T>(T* w, T* bias, float* x, float* y, int rows, int inFeatures, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        for (var r = 0; r < rows; r++)
        {
            var row = y + (long)r * outFeatures;
            for (var j = first; j < end; j++) row[j] = bias is null ? 0f : TE.Scalar(bias[j]);
        }
        for (var block = first; block < end; block += ColumnBlock)
        {
            var width = System.Math.Min(ColumnBlock, end - block);
            var vectorWidth = width & ~15;
            var i = 0;
            for (; i + 4 <= inFeatures; i += 4)
            {
                T* w0 = w + (long)i * outFeatures + block, w1 = w0 + outFeatures, w2 = w1 + outFeatures, w3 = w2 + outFeatures;
                for (var r = 0; r < rows; r++)
                {
                    var xr = x + (long)r * inFeatures + i;
                    var yr = y + (long)r * outFeatures + block;
                    Vector512<float> c0 = Vector512.Create(xr[0]), c1 = Vector512.Create(xr[1]);
                    Vector512<float> c2 = Vector512.Create(xr[2]), c3 = Vector512.Create(xr[3]);
                    for (var j = 0; j < vectorWidth; j += 16)
                    {
                        var acc = Vector512.Load(yr + j);
                        acc = Vector512.FusedMultiplyAdd(TE.Load16(w0 + j), c0, acc);
                        acc = Vector512.FusedMultiplyAdd(TE.Load16(w1 + j), c1, acc);
                        acc = Vector512.FusedMultiplyAdd(TE.Load16(w2 + j), c2, acc);
                        acc = Vector512.FusedMultiplyAdd(TE.Load16(w3 + j), c3, acc);
                        acc.Store(yr + j);
                    }
                    for (var j = vectorWidth; j < width; j++)
                        yr[j] += xr[0] * TE.Scalar(w0[j]) + xr[1] * TE.Scalar(w1[j]) + xr[2] * TE.Scalar(w2[j]) + xr[3] * TE.Scalar(w3[j]);
                }
            }
            for (; i < inFeatures; i++)
            {
                var wi = w + (long)i * outFeatures + block;
                for (var r = 0; r < rows; r++)
                {
                    var c = x[(long)r * inFeatures + i];
                    var yr = y + (long)r * outFeatures + block;
                    for (var j = 0; j < width; j++) yr[j] += c * TE.Scalar(wi[j]);
                }
            }
        }
    }

    /// <summary>
    /// The 4 × <typeparamref name="TG"/> dot products of weight rows w0…w3 with x rows x0…x3 (only the first
    /// <typeparamref name="TG"/> x rows are read) into sums[g·4 + k]. The group size is a type so the JIT compiles
    /// each size with its unused accumulators removed and the rest in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotTile<TE, T, TG>(T* w0, T* w1, T* w2, T* w3, float* x0, float* x1, float* x2, float* x3, int n, float* sums)
        where TE : struct, IWeightElements<T> where T : unmanaged where TG : struct, IGroupSize
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector512<float> v0 = TE.Load16(w0 + i), v1 = TE.Load16(w1 + i), v2 = TE.Load16(w2 + i), v3 = TE.Load16(w3 + i);
            var u = Vector512.Load(x0 + i);
            a00 = Vector512.FusedMultiplyAdd(v0, u, a00);
            a01 = Vector512.FusedMultiplyAdd(v1, u, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, u, a02);
            a03 = Vector512.FusedMultiplyAdd(v3, u, a03);
            if (TG.Count >= 2)
            {
                u = Vector512.Load(x1 + i);
                a10 = Vector512.FusedMultiplyAdd(v0, u, a10);
                a11 = Vector512.FusedMultiplyAdd(v1, u, a11);
                a12 = Vector512.FusedMultiplyAdd(v2, u, a12);
                a13 = Vector512.FusedMultiplyAdd(v3, u, a13);
            }
            if (TG.Count >= 4)
            {
                u = Vector512.Load(x2 + i);
                a20 = Vector512.FusedMultiplyAdd(v0, u, a20);
                a21 = Vector512.FusedMultiplyAdd(v1, u, a21);
                a22 = Vector512.FusedMultiplyAdd(v2, u, a22);
                a23 = Vector512.FusedMultiplyAdd(v3, u, a23);
                u = Vector512.Load(x3 + i);
                a30 = Vector512.FusedMultiplyAdd(v0, u, a30);
                a31 = Vector512.FusedMultiplyAdd(v1, u, a31);
                a32 = Vector512.FusedMultiplyAdd(v2, u, a32);
                a33 = Vector512.FusedMultiplyAdd(v3, u, a33);
            }
        }
        Reduce(a00, a01, a02, a03, w0, w1, w2, w3, x0, i, n, sums);
        if (TG.Count >= 2) Reduce(a10, a11, a12, a13, w0, w1, w2, w3, x1, i, n, sums + 4);
        if (TG.Count >= 4)
        {
            Reduce(a20, a21, a22, a23, w0, w1, w2, w3, x2, i, n, sums + 8);
            Reduce(a30, a31, a32, a33, w0, w1, w2, w3, x3, i, n, sums + 12);
        }

        static void Reduce(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
            T* w0, T* w1, T* w2, T* w3, float* x, int tail, int n, float* into)
        {
            float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
            for (var i = tail; i < n; i++)
            {
                s0 += TE.Scalar(w0[i]) * x[i];
                s1 += TE.Scalar(w1[i]) * x[i];
                s2 += TE.Scalar(w2[i]) * x[i];
                s3 += TE.Scalar(w3[i]) * x[i];
            }
            into[0] = s0;
            into[1] = s1;
            into[2] = s2;
            into[3] = s3;
        }
    }

    /// <summary>How many x rows a tile reads: a type, so each size is compiled separately.</summary>
    private interface IGroupSize
    {
        static abstract int Count { get; }
    }

    private readonly struct One : IGroupSize
    {
        public static int Count => 1;
    }

    private readonly struct Two : IGroupSize
    {
        public static int Count => 2;
    }

    private readonly struct Four : IGroupSize
    {
        public static int Count => 4;
    }
}
