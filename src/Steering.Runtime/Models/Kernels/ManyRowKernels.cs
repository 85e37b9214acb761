using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Steering.Models.Kernels;

/// <summary>
/// y = x·Wᵀ + b (or x·W + b) for many rows of x (a prompt's positions), written for arithmetic rather than memory: a
/// blocked matrix product whose inner tile keeps 8 rows × 48 columns of sums in 24 AVX-512 registers, so each weight
/// vector loaded feeds 8 FMAs and each broadcast x element 3. Weights of either layout and storage type are first packed
/// (<see cref="PanelPacking"/>) into float32 panels the tile reads as consecutive vectors. Inputs and outputs are float32.
/// Each call computes a range of output columns, so callers can split one product across threads.
/// </summary>
/// <remarks>
/// <para>Why our own: the float32 products of a prefill went to libtorch's bundled MKL, which on this AMD CPU (Zen 5:
/// two 512-bit FMA pipes per core) runs only its AVX2 code — ~86 GFLOP/s on GPT-2-small's 128-row shapes at one
/// thread — and whose sleeping OpenMP threads scale 1.35× at two. The tile here runs at ~220 GFLOP/s on data in cache,
/// and whole products at 150–180 (tests/Steering.Benchmarks, <c>--gemm</c>).</para>
/// <para>Blocking: a block of <see cref="DepthBlock"/> inputs × <see cref="ColumnBlock"/> columns of packed weights
/// (480 KiB) stays in L2 while every 8-row tile of x runs over it, the tile's 8 × <see cref="DepthBlock"/> x elements
/// staying in L1. Every output sums its products in the same order — input blocks in order, each from its first
/// input to its last — whatever the column range, so a product split over threads equals the unsplit one bit for bit.</para>
/// </remarks>
internal static unsafe class ManyRowKernels
{
    /// <summary>Rows of x per tile (one broadcast each per input).</summary>
    public const int TileRows = 8;

    /// <summary>Columns of y per tile: three AVX-512 vectors, so 8 × 3 sums stay in registers beside 3 weight vectors and a broadcast.</summary>
    public const int TileColumns = 48;

    /// <summary>Inputs per packed block: 48 columns of it are 48 KiB.</summary>
    private const int DepthBlock = 256;

    /// <summary>Columns per packed block (ten panels): <see cref="DepthBlock"/> × this float32 is 480 KiB, half of a Zen 5 L2.</summary>
    private const int ColumnBlock = 480;

    /// <summary>This thread's packed weights (a pinned array, reused: products run dozens of times per forward pass).</summary>
    [ThreadStatic]
    private static float[]? _panels;

    /// <summary>
    /// y[r, o] = bias[o] + Σᵢ x[r, i]·W(i, o) for o in [<paramref name="first"/>, <paramref name="end"/>), where W(i, o) is
    /// w[o, i] when <paramref name="weightIsOutIn"/> (nn.Linear) and w[i, o] otherwise (GPT-2's Conv1D).
    /// </summary>
    // Fully optimized from the first call, like RowKernels: a tier-0 tile would run many times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute<TE, T>(T* w, T* bias, float* x, float* y, int rows, int inFeatures, int outFeatures, bool weightIsOutIn, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var panels = Panels();
        for (var block = first; block < end; block += ColumnBlock)
        {
            var width = Math.Min(ColumnBlock, end - block);
            for (var depthStart = 0; depthStart < inFeatures; depthStart += DepthBlock)
            {
                var depth = Math.Min(DepthBlock, inFeatures - depthStart);
                if (weightIsOutIn) PanelPacking.FromOutIn<TE, T>(w, inFeatures, block, width, depthStart, depth, panels);
                else PanelPacking.FromInOut<TE, T>(w, outFeatures, block, width, depthStart, depth, panels);
                // The first input block starts the sums from the bias; the later ones add to what y holds.
                var bias0 = depthStart == 0 ? bias : null;
                var start = depthStart == 0;
                for (var r = 0; r < rows; r += TileRows)
                {
                    var xr = x + (long)r * inFeatures + depthStart;
                    var tileRows = Math.Min(TileRows, rows - r);
                    for (var column = 0; column < width; column += TileColumns)
                    {
                        var yt = y + (long)r * outFeatures + block + column;
                        var packed = panels + (long)column * depth;
                        var b = bias0 is null ? null : bias0 + block + column;
                        if (width - column >= TileColumns) Tile<TE, T>(xr, inFeatures, tileRows, packed, depth, yt, outFeatures, start, b);
                        else EdgeTile<TE, T>(xr, inFeatures, tileRows, packed, depth, yt, outFeatures, width - column, start, b);
                    }
                }
            }
        }
    }

    /// <summary>This thread's packing buffer, 64-byte aligned (the tile's weight loads then never split a cache line).</summary>
    private static float* Panels()
    {
        const int Floats = DepthBlock * ColumnBlock;
        _panels ??= GC.AllocateUninitializedArray<float>(Floats + 16, pinned: true);
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_panels));
        return (float*)((start + 63) & ~(nint)63);
    }

    /// <summary>A tile of fewer than <see cref="TileColumns"/> columns: computed whole into a scratch tile (the packed columns past the edge are zero), then its columns copied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeTile<TE, T>(float* x, int inFeatures, int rows, float* packed, int depth, float* y, int outFeatures, int columns, bool start, T* bias)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var scratch = stackalloc float[TileRows * TileColumns];
        Tile<TE, T>(x, inFeatures, rows, packed, depth, scratch, TileColumns, true, null);
        for (var r = 0; r < rows; r++)
        {
            var yr = y + (long)r * outFeatures;
            for (var j = 0; j < columns; j++)
                yr[j] = (start ? (bias is null ? 0f : TE.Scalar(bias[j])) : yr[j]) + scratch[r * TileColumns + j];
        }
    }

    /// <summary>
    /// <paramref name="rows"/> (at most <see cref="TileRows"/>) rows of x against one packed panel, <paramref name="depth"/>
    /// inputs deep: y = sums + bias when <paramref name="start"/>, else y += sums. A tile of fewer rows repeats its last
    /// row (computed, not stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TE, T>(float* x, int inFeatures, int rows, float* packed, int depth, float* y, int outFeatures, bool start, T* bias)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        float* x0 = x, x1 = Row(x, 1, rows, inFeatures), x2 = Row(x, 2, rows, inFeatures), x3 = Row(x, 3, rows, inFeatures);
        float* x4 = Row(x, 4, rows, inFeatures), x5 = Row(x, 5, rows, inFeatures), x6 = Row(x, 6, rows, inFeatures), x7 = Row(x, 7, rows, inFeatures);
        var w = packed;
        for (var i = 0; i < depth; i++, w += TileColumns)
        {
            Vector512<float> v = Vector512.Load(w), q = Vector512.Load(w + 16), p = Vector512.Load(w + 32);
            var u = Vector512.Create(x0[i]);
            a0 = Vector512.FusedMultiplyAdd(v, u, a0);
            b0 = Vector512.FusedMultiplyAdd(q, u, b0);
            c0 = Vector512.FusedMultiplyAdd(p, u, c0);
            u = Vector512.Create(x1[i]);
            a1 = Vector512.FusedMultiplyAdd(v, u, a1);
            b1 = Vector512.FusedMultiplyAdd(q, u, b1);
            c1 = Vector512.FusedMultiplyAdd(p, u, c1);
            u = Vector512.Create(x2[i]);
            a2 = Vector512.FusedMultiplyAdd(v, u, a2);
            b2 = Vector512.FusedMultiplyAdd(q, u, b2);
            c2 = Vector512.FusedMultiplyAdd(p, u, c2);
            u = Vector512.Create(x3[i]);
            a3 = Vector512.FusedMultiplyAdd(v, u, a3);
            b3 = Vector512.FusedMultiplyAdd(q, u, b3);
            c3 = Vector512.FusedMultiplyAdd(p, u, c3);
            u = Vector512.Create(x4[i]);
            a4 = Vector512.FusedMultiplyAdd(v, u, a4);
            b4 = Vector512.FusedMultiplyAdd(q, u, b4);
            c4 = Vector512.FusedMultiplyAdd(p, u, c4);
            u = Vector512.Create(x5[i]);
            a5 = Vector512.FusedMultiplyAdd(v, u, a5);
            b5 = Vector512.FusedMultiplyAdd(q, u, b5);
            c5 = Vector512.FusedMultiplyAdd(p, u, c5);
            u = Vector512.Create(x6[i]);
            a6 = Vector512.FusedMultiplyAdd(v, u, a6);
            b6 = Vector512.FusedMultiplyAdd(q, u, b6);
            c6 = Vector512.FusedMultiplyAdd(p, u, c6);
            u = Vector512.Create(x7[i]);
            a7 = Vector512.FusedMultiplyAdd(v, u, a7);
            b7 = Vector512.FusedMultiplyAdd(q, u, b7);
            c7 = Vector512.FusedMultiplyAdd(p, u, c7);
        }
        Vector512<float> ba = default, bb = default, bc = default;
        if (bias is not null)
        {
            ba = TE.Load16(bias);
            bb = TE.Load16(bias + 16);
            bc = TE.Load16(bias + 32);
        }
        Put(y, start, a0 + ba, b0 + bb, c0 + bc);
        if (rows > 1) Put(y + outFeatures, start, a1 + ba, b1 + bb, c1 + bc);
        if (rows > 2) Put(y + 2L * outFeatures, start, a2 + ba, b2 + bb, c2 + bc);
        if (rows > 3) Put(y + 3L * outFeatures, start, a3 + ba, b3 + bb, c3 + bc);
        if (rows > 4) Put(y + 4L * outFeatures, start, a4 + ba, b4 + bb, c4 + bc);
        if (rows > 5) Put(y + 5L * outFeatures, start, a5 + ba, b5 + bb, c5 + bc);
        if (rows > 6) Put(y + 6L * outFeatures, start, a6 + ba, b6 + bb, c6 + bc);
        if (rows > 7) Put(y + 7L * outFeatures, start, a7 + ba, b7 + bb, c7 + bc);
    }

    /// <summary>One tile row: stored when the sums start there, added to what y holds otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* y, bool start, Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        if (!start)
        {
            a += Vector512.Load(y);
            b += Vector512.Load(y + 16);
            c += Vector512.Load(y + 32);
        }
        a.Store(y);
        b.Store(y + 16);
        c.Store(y + 32);
    }

    /// <summary>x row <paramref name="k"/>, or the tile's last row when it has fewer (a repeat, not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* x, int k, int rows, int inFeatures) => x + (long)Math.Min(k, rows - 1) * inFeatures;
}
