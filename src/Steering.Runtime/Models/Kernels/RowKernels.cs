using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Steering.Models.Kernels;

/// <summary>
/// y = x·Wᵀ + b (or x·W + b) for a few rows of x (decode steps: one row per sequence), written for memory bandwidth:
/// every weight is read from memory once per call whatever the number of rows (up to <see cref="MaxGroup"/> rows per
/// pass), 16 floats per AVX-512 load, with float32 accumulation. Weights, biases and outputs are float32 or a 16-bit
/// type (read and written through an <see cref="IWeightElements{T}"/>: each output rounded once from its float32 sum);
/// inputs are float32 (16-bit inputs are widened first, <see cref="Widen{TE,T}"/>). Each method computes a range of
/// output columns, so callers can split one product across threads.
/// </summary>
/// <remarks>
/// What was measured (tests/Steering.Benchmarks/README.md, "Kernels, second pass"): the weights are read in one
/// sequential stream wherever possible — one weight row at a time, not four interleaved (short interleaved
/// streams of 3 KiB each left the hardware prefetchers behind: the 768→50257 LM head ran at 18.5 GB/s, one row at a
/// time at ~30); and with several x rows each weight vector feeds one FMA per x row held in registers, so the rows
/// are compute-bound on FMAs rather than on loads and stores.
/// </remarks>
internal static unsafe class RowKernels
{
    /// <summary>The most x rows one pass reads (one accumulator register each).</summary>
    public const int MaxGroup = 8;

    /// <summary>Columns of y per block in the one-row [in, out] kernel: 16 KiB of float32 stays in L1 beside the weight stream.</summary>
    private const int OneRowColumnBlock = 4096;

    /// <summary>Columns of y per block in the several-row [in, out] kernel: four weight rows of it (16 KiB of float32) stay in L1.</summary>
    private const int RowsColumnBlock = 1024;

    /// <summary>
    /// How far ahead the several-row [out, in] kernel asks for weights (software prefetch): 6 KiB, about a memory
    /// latency's worth of its compute. With several rows it consumes the weight stream slower than memory delivers
    /// it, and the hardware prefetchers alone kept only ~10 GB/s in flight: the LM head at 8 rows ran 16 → 8 ms with it
    /// (1 KiB ahead: 12 ms; 3, 6, 12, 24 KiB: 8.0–8.7 ms).
    /// </summary>
    private const int OutInPrefetchBytes = 6144;

    /// <summary>
    /// How many weight rows ahead the strip kernel asks for its next rows' three cache lines (software prefetch). A
    /// strip reads 192 bytes per weight row, one row kilobytes after the other, which the hardware prefetchers do not
    /// follow (and never across a 4 KiB page): 8 rows per strip at 8–12 GB/s. Prefetching 32 rows ahead (~a memory
    /// latency of its FMAs) made the 8-row products 1.4–2.2× faster (8 rows ahead: 1.3×; 24–64: within 10% of 32).
    /// </summary>
    private const int StripPrefetchRows = 32;

    /// <summary>
    /// Weights stored [out, in] (nn.Linear): y[r, o] = bias[o] + Σᵢ x[r, i]·w[o, i] for o in [<paramref name="first"/>,
    /// <paramref name="end"/>). One weight row at a time against all the x rows, so the weights stream in order while
    /// the x rows (a few KiB) stay in cache.
    /// </summary>
    // Fully optimized from the first call (this and every kernel below): a tier-0 (unoptimized) vector loop is many
    // times slower, and a decode step would run it dozens of times before tiering up (a strip kernel left to tiering
    // measured 4× slower).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutIn<TE, T>(T* w, T* bias, float* x, T* y, int rows, int inFeatures, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        for (var r = 0; r < rows; r += MaxGroup)
        {
            var group = System.Math.Min(MaxGroup, rows - r);
            float* xr = x + (long)r * inFeatures;
            T* yr = y + (long)r * outFeatures;
            if (group == 1) OutInOneRow<TE, T>(w, bias, xr, yr, inFeatures, first, end);
            else if (group == 2) OutInRows<TE, T, TwoRows>(w, bias, xr, yr, group, inFeatures, outFeatures, first, end);
            else if (group <= 4) OutInRows<TE, T, FourRows>(w, bias, xr, yr, group, inFeatures, outFeatures, first, end);
            else OutInRows<TE, T, EightRows>(w, bias, xr, yr, group, inFeatures, outFeatures, first, end);
        }
    }

    /// <summary>
    /// Weights stored [in, out] (GPT-2's Conv1D): y[r, j] = bias[j] + Σᵢ x[r, i]·w[i, j] for j in [<paramref name="first"/>,
    /// <paramref name="end"/>). One x row: weight rows streamed in order into a block of y that stays in L1. Several:
    /// strips of columns with every row's sums in registers (<see cref="InOutStrips{TE,T,TG}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InOut<TE, T>(T* w, T* bias, float* x, T* y, int rows, int inFeatures, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        if (rows == 1) InOutOneRow<TE, T, TE, T>(w, bias, x, y, inFeatures, outFeatures, first, end);
        else if (rows == 2) InOutStrips<TE, T, TwoRows>(w, bias, x, y, rows, inFeatures, outFeatures, first, end);
        else if (rows <= 4) InOutStrips<TE, T, FourRows>(w, bias, x, y, rows, inFeatures, outFeatures, first, end);
        else InOutStrips<TE, T, EightRows>(w, bias, x, y, rows, inFeatures, outFeatures, first, end);
    }

    /// <summary>
    /// y[j] = bias[j] + rows[0, j] + rows[1, j] + … for j in [0, <paramref name="width"/>): partial sums of one
    /// product added in a fixed order (so the same whoever computed them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddRows<TE, T>(T* bias, float* rows, int count, int width, T* y)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var j = 0;
        for (; j + 16 <= width; j += 16)
        {
            var sum = bias is null ? Vector512<float>.Zero : TE.Load16(bias + j);
            for (var r = 0; r < count; r++) sum += Vector512.Load(rows + (long)r * width + j);
            TE.Store16(sum, y + j);
        }
        for (; j < width; j++)
        {
            var sum = bias is null ? 0f : TE.Scalar(bias[j]);
            for (var r = 0; r < count; r++) sum += rows[(long)r * width + j];
            y[j] = TE.Round(sum);
        }
    }

    /// <summary>
    /// Σᵢ x[i]·w[i, :] over the <paramref name="n"/> weight rows at <paramref name="w"/> ([in, out], one x row), into
    /// float32 <paramref name="sums"/> — no bias, no rounding: the partial sums of one chunk of weight rows.
    /// </summary>
    public static void InOutSums<TE, T>(T* w, float* x, float* sums, int n, int outFeatures)
        where TE : struct, IWeightElements<T> where T : unmanaged =>
        InOutOneRow<TE, T, Float32Elements, float>(w, null, x, sums, n, outFeatures, 0, outFeatures);

    /// <summary>One x row against [out, in] weights, one weight row (one sequential stream) at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutInOneRow<TE, T>(T* w, T* bias, float* x, T* y, int n, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        for (var o = first; o < end; o++)
        {
            var wo = w + (long)o * n;
            Vector512<float> a0 = default, a1 = default;
            var i = 0;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(TE.Load16(wo + i), Vector512.Load(x + i), a0);
                a1 = Vector512.FusedMultiplyAdd(TE.Load16(wo + i + 16), Vector512.Load(x + i + 16), a1);
            }
            if (i + 16 <= n)
            {
                a0 = Vector512.FusedMultiplyAdd(TE.Load16(wo + i), Vector512.Load(x + i), a0);
                i += 16;
            }
            var sum = Vector512.Sum(a0 + a1);
            for (; i < n; i++) sum += TE.Scalar(wo[i]) * x[i];
            y[o] = TE.Round(sum + (bias is null ? 0f : TE.Scalar(bias[o])));
        }
    }

    /// <summary>
    /// <paramref name="group"/> x rows (at most <typeparamref name="TG"/>) against [out, in] weights, one weight row at
    /// a time: each weight vector is loaded once for all the rows, and the row's dot products with the x rows are
    /// summed across lanes together.
    /// </summary>
    /// <remarks>
    /// Two weight rows at a time (half the x loads per FMA) measured 1.4–1.6× slower at 4 rows and no faster at 8: two
    /// interleaved streams are read slower than one.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutInRows<TE, T, TG>(T* w, T* bias, float* x, T* y, int group, int n, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged where TG : struct, IRowGroup
    {
        float* x0 = x, x1 = Row(x, 1, group, n), x2 = Row(x, 2, group, n), x3 = Row(x, 3, group, n);
        float* x4 = Row(x, 4, group, n), x5 = Row(x, 5, group, n), x6 = Row(x, 6, group, n), x7 = Row(x, 7, group, n);
        var sums = stackalloc float[8];
        for (var o = first; o < end; o++)
        {
            var wa = w + (long)o * n;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var i = 0;
            for (; i + 16 <= n; i += 16)
            {
                // Prefetch hints never fault, so reading past the weights' end is harmless.
                Sse.Prefetch0(wa + i + OutInPrefetchBytes / sizeof(T));
                var va = TE.Load16(wa + i);
                a0 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x0 + i), a0);
                a1 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x1 + i), a1);
                if (TG.Count >= 4)
                {
                    a2 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x2 + i), a2);
                    a3 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x3 + i), a3);
                }
                if (TG.Count >= 8)
                {
                    a4 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x4 + i), a4);
                    a5 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x5 + i), a5);
                    a6 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x6 + i), a6);
                    a7 = Vector512.FusedMultiplyAdd(va, Vector512.Load(x7 + i), a7);
                }
            }
            HorizontalSums.Of8(a0, a1, a2, a3, a4, a5, a6, a7).Store(sums);
            for (var k = 0; k < group; k++)
            {
                var xk = x + (long)k * n;
                var sa = sums[k];
                for (var t = i; t < n; t++) sa += TE.Scalar(wa[t]) * xk[t];
                y[(long)k * outFeatures + o] = TE.Round(sa + (bias is null ? 0f : TE.Scalar(bias[o])));
            }
        }
    }

    /// <summary>
    /// One x row against [in, out] weights: y[block] += x[i]·w[i, block], weight rows in order. 16-bit outputs are summed
    /// in a float32 block and rounded once, when the block is done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InOutOneRow<TE, T, TO, TY>(T* w, T* bias, float* x, TY* y, int n, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged where TO : struct, IWeightElements<TY> where TY : unmanaged
    {
        var inPlace = typeof(TY) == typeof(float);
        var scratch = stackalloc float[inPlace ? 0 : OneRowColumnBlock];
        for (var block = first; block < end; block += OneRowColumnBlock)
        {
            var width = System.Math.Min(OneRowColumnBlock, end - block);
            var vectorWidth = width & ~15;
            var yb = inPlace ? (float*)(y + block) : scratch;
            for (var j = 0; j < width; j++) yb[j] = bias is null ? 0f : TE.Scalar(bias[block + j]);
            for (var i = 0; i < n; i++)
            {
                var wi = w + (long)i * outFeatures + block;
                var c = x[i];
                var cv = Vector512.Create(c);
                var j = 0;
                for (; j < vectorWidth; j += 16)
                    Vector512.FusedMultiplyAdd(TE.Load16(wi + j), cv, Vector512.Load(yb + j)).Store(yb + j);
                for (; j < width; j++) yb[j] += c * TE.Scalar(wi[j]);
            }
            if (!inPlace) Narrow<TO, TY>(yb, y + block, width);
        }
    }

    /// <summary>
    /// Several x rows against [in, out] weights: column blocks of y (all rows) updated four weight rows at a time, so
    /// the block's weights are read from memory once and from L1 for the other rows.
    /// </summary>
    /// <remarks>
    /// Load- and store-bound (a y vector loaded and stored per four FMAs): kept for the columns after the last whole
    /// strip of <see cref="InOutStrips{TE,T,TG}"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InOutRows<TE, T>(T* w, T* bias, float* x, T* y, int rows, int inFeatures, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        // 16-bit outputs: each row's block summed in float32 (rows RowsColumnBlock apart) and rounded once at its end.
        var inPlace = typeof(T) == typeof(float);
        var scratch = stackalloc float[inPlace ? 0 : rows * RowsColumnBlock];
        long stride = inPlace ? outFeatures : RowsColumnBlock;
        for (var block = first; block < end; block += RowsColumnBlock)
        {
            var width = System.Math.Min(RowsColumnBlock, end - block);
            var vectorWidth = width & ~15;
            var sums = inPlace ? (float*)(y + block) : scratch;
            for (var r = 0; r < rows; r++)
            {
                var row = sums + r * stride;
                for (var j = 0; j < width; j++) row[j] = bias is null ? 0f : TE.Scalar(bias[block + j]);
            }
            var i = 0;
            for (; i + 4 <= inFeatures; i += 4)
            {
                T* w0 = w + (long)i * outFeatures + block, w1 = w0 + outFeatures, w2 = w1 + outFeatures, w3 = w2 + outFeatures;
                for (var r = 0; r < rows; r++)
                {
                    var xr = x + (long)r * inFeatures + i;
                    var yr = sums + r * stride;
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
                    var yr = sums + r * stride;
                    for (var j = 0; j < width; j++) yr[j] += c * TE.Scalar(wi[j]);
                }
            }
            if (!inPlace)
            {
                for (var r = 0; r < rows; r++) Narrow<TE, T>(sums + r * stride, y + (long)r * outFeatures + block, width);
            }
        }
    }

    /// <summary>
    /// Several x rows against [in, out] weights: strips of 48 columns, each read down all the weight rows with the sums
    /// of every x row (at most <typeparamref name="TG"/>) in registers — 3 weight loads and <typeparamref name="TG"/>
    /// broadcasts feed 3·<typeparamref name="TG"/> FMAs; the columns after the last whole strip go to
    /// <see cref="InOutRows{TE,T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InOutStrips<TE, T, TG>(T* w, T* bias, float* x, T* y, int group, int n, int outFeatures, int first, int end)
        where TE : struct, IWeightElements<T> where T : unmanaged where TG : struct, IRowGroup
    {
        var strips = (end - first) / 48;
        if (strips > 0)
        {
            // A group of fewer rows than TG reads zero rows after its own (computed, not stored).
            var padded = group == TG.Count ? null
                : (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(TG.Count * n * sizeof(float)), 64);
            try
            {
                if (padded is not null)
                {
                    System.Buffer.MemoryCopy(x, padded, (long)TG.Count * n * sizeof(float), (long)group * n * sizeof(float));
                    new System.Span<float>(padded + (long)group * n, (TG.Count - group) * n).Clear();
                }
                for (var strip = 0; strip < strips; strip++)
                    InOutStrip48<TE, T, TG>(w, bias, padded is null ? x : padded, y, group, n, outFeatures, first + strip * 48);
            }
            finally
            {
                if (padded is not null) System.Runtime.InteropServices.NativeMemory.AlignedFree(padded);
            }
        }
        if (first + strips * 48 < end) InOutRows<TE, T>(w, bias, x, y, group, n, outFeatures, first + strips * 48, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InOutStrip48<TE, T, TG>(T* w, T* bias, float* x, T* y, int group, int n, int outFeatures, int j)
        where TE : struct, IWeightElements<T> where T : unmanaged where TG : struct, IRowGroup
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        var wi = w + j;
        var ahead = (long)StripPrefetchRows * outFeatures;
        for (var i = 0; i < n; i++, wi += outFeatures)
        {
            // Three cache lines in float32 (the last two hints coincide for 16-bit weights); past the end they are harmless.
            Sse.Prefetch0(wi + ahead);
            Sse.Prefetch0(wi + ahead + 16);
            Sse.Prefetch0(wi + ahead + 32);
            Vector512<float> v = TE.Load16(wi), q = TE.Load16(wi + 16), p = TE.Load16(wi + 32);
            var u = Vector512.Create(x[i]);
            a0 = Vector512.FusedMultiplyAdd(v, u, a0);
            b0 = Vector512.FusedMultiplyAdd(q, u, b0);
            c0 = Vector512.FusedMultiplyAdd(p, u, c0);
            u = Vector512.Create(x[n + i]);
            a1 = Vector512.FusedMultiplyAdd(v, u, a1);
            b1 = Vector512.FusedMultiplyAdd(q, u, b1);
            c1 = Vector512.FusedMultiplyAdd(p, u, c1);
            if (TG.Count >= 4)
            {
                u = Vector512.Create(x[2 * n + i]);
                a2 = Vector512.FusedMultiplyAdd(v, u, a2);
                b2 = Vector512.FusedMultiplyAdd(q, u, b2);
                c2 = Vector512.FusedMultiplyAdd(p, u, c2);
                u = Vector512.Create(x[3 * n + i]);
                a3 = Vector512.FusedMultiplyAdd(v, u, a3);
                b3 = Vector512.FusedMultiplyAdd(q, u, b3);
                c3 = Vector512.FusedMultiplyAdd(p, u, c3);
            }
            if (TG.Count >= 8)
            {
                u = Vector512.Create(x[4 * n + i]);
                a4 = Vector512.FusedMultiplyAdd(v, u, a4);
                b4 = Vector512.FusedMultiplyAdd(q, u, b4);
                c4 = Vector512.FusedMultiplyAdd(p, u, c4);
                u = Vector512.Create(x[5 * n + i]);
                a5 = Vector512.FusedMultiplyAdd(v, u, a5);
                b5 = Vector512.FusedMultiplyAdd(q, u, b5);
                c5 = Vector512.FusedMultiplyAdd(p, u, c5);
                u = Vector512.Create(x[6 * n + i]);
                a6 = Vector512.FusedMultiplyAdd(v, u, a6);
                b6 = Vector512.FusedMultiplyAdd(q, u, b6);
                c6 = Vector512.FusedMultiplyAdd(p, u, c6);
                u = Vector512.Create(x[7 * n + i]);
                a7 = Vector512.FusedMultiplyAdd(v, u, a7);
                b7 = Vector512.FusedMultiplyAdd(q, u, b7);
                c7 = Vector512.FusedMultiplyAdd(p, u, c7);
            }
        }
        Vector512<float> ba = default, bb = default, bc = default;
        if (bias is not null)
        {
            ba = TE.Load16(bias + j);
            bb = TE.Load16(bias + j + 16);
            bc = TE.Load16(bias + j + 32);
        }
        // float32 sums go straight to y; 16-bit ones through a float32 buffer, rounded after the last use of the
        // accumulators: float16's rounding calls out of the method, and a call while they are live made the JIT keep
        // them on the stack inside the loop (the f16 strips ran 2× slower).
        var inPlace = typeof(T) == typeof(float);
        var sums = stackalloc float[inPlace ? 0 : 8 * 48];
        var yj = inPlace ? (float*)(y + j) : sums;
        long stride = inPlace ? outFeatures : 48;
        StoreStripRow(yj, a0 + ba, b0 + bb, c0 + bc);
        if (group > 1) StoreStripRow(yj + stride, a1 + ba, b1 + bb, c1 + bc);
        if (group > 2) StoreStripRow(yj + 2 * stride, a2 + ba, b2 + bb, c2 + bc);
        if (group > 3) StoreStripRow(yj + 3 * stride, a3 + ba, b3 + bb, c3 + bc);
        if (group > 4) StoreStripRow(yj + 4 * stride, a4 + ba, b4 + bb, c4 + bc);
        if (group > 5) StoreStripRow(yj + 5 * stride, a5 + ba, b5 + bb, c5 + bc);
        if (group > 6) StoreStripRow(yj + 6 * stride, a6 + ba, b6 + bb, c6 + bc);
        if (group > 7) StoreStripRow(yj + 7 * stride, a7 + ba, b7 + bb, c7 + bc);
        if (!inPlace)
        {
            for (var r = 0; r < group; r++) Narrow<TE, T>(sums + r * 48, y + j + (long)r * outFeatures, 48);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStripRow(float* to, Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        a.Store(to);
        b.Store(to + 16);
        c.Store(to + 32);
    }

    /// <summary><paramref name="count"/> float32 sums rounded to <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Narrow<TE, T>(float* from, T* to, int count)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var j = 0;
        for (; j + 16 <= count; j += 16) TE.Store16(Vector512.Load(from + j), to + j);
        for (; j < count; j++) to[j] = TE.Round(from[j]);
    }

    /// <summary>
    /// <paramref name="count"/> elements widened to float32 (16-bit inputs: the kernels read x as float32, so it is widened
    /// once per product rather than at every use).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen<TE, T>(T* from, float* to, long count)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        long j = 0;
        for (; j + 16 <= count; j += 16) TE.Load16(from + j).Store(to + j);
        for (; j < count; j++) to[j] = TE.Scalar(from[j]);
    }

    /// <summary>x row <paramref name="k"/>, or the group's last row when the group has fewer (a repeat, not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* x, int k, int group, int n) => x + (long)System.Math.Min(k, group - 1) * n;
}
