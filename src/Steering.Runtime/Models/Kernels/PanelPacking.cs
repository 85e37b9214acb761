using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Steering.Models.Kernels;

/// <summary>
/// Copies a block of weights into the layout <see cref="ManyRowKernels"/>' tile reads: panels of
/// <see cref="ManyRowKernels.TileColumns"/> output columns, each panel depth-major (for every input index, the panel's
/// columns side by side, as float32), the columns past the last output zero. The tile then reads its weights as
/// consecutive vectors whichever way the model stores them, and 16-bit weights are widened once per block instead of
/// once per row tile.
/// </summary>
/// <remarks>
/// Packing reads each weight once per product and writes it once; the tile then reads it once per 8 rows. With 128 rows
/// that is under 5% of a product's time for either layout ([out, in] weights are transposed in 16×16 blocks in
/// registers, a few shuffles per weight).
/// </remarks>
internal static unsafe class PanelPacking
{
    private const int Panel = ManyRowKernels.TileColumns;

    /// <summary>
    /// From [in, out] weights (GPT-2's Conv1D; <paramref name="outFeatures"/> per row): input indices
    /// [<paramref name="depthStart"/>, +<paramref name="depth"/>), output columns [<paramref name="first"/>, +<paramref name="width"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromInOut<TE, T>(T* w, int outFeatures, int first, int width, int depthStart, int depth, float* panels)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        for (var column = 0; column < width; column += Panel)
        {
            var columns = System.Math.Min(Panel, width - column);
            var to = panels + (long)column * depth;
            var from = w + (long)depthStart * outFeatures + first + column;
            if (columns == Panel)
            {
                for (var i = 0; i < depth; i++, to += Panel, from += outFeatures)
                {
                    TE.Load16(from).Store(to);
                    TE.Load16(from + 16).Store(to + 16);
                    TE.Load16(from + 32).Store(to + 32);
                }
            }
            else
            {
                for (var i = 0; i < depth; i++, to += Panel, from += outFeatures)
                    for (var j = 0; j < Panel; j++) to[j] = j < columns ? TE.Scalar(from[j]) : 0f;
            }
        }
    }

    /// <summary>
    /// From [out, in] weights (nn.Linear; <paramref name="inFeatures"/> per row): the same block, transposed — 16 weight
    /// rows × 16 inputs at a time in registers, the ragged edges one weight at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromOutIn<TE, T>(T* w, int inFeatures, int first, int width, int depthStart, int depth, float* panels)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var wholeDepth = depth & ~15;
        for (var column = 0; column < width; column += Panel)
        {
            var to = panels + (long)column * depth;
            // Three groups of 16 columns per panel.
            for (var group = 0; group < Panel; group += 16)
            {
                var columns = System.Math.Min(16, width - column - group);
                var from = w + (long)(first + column + group) * inFeatures + depthStart;
                var i = 0;
                if (columns == 16)
                    for (; i < wholeDepth; i += 16) Transposed16<TE, T>(from + i, inFeatures, to + (long)i * Panel + group);
                for (; i < depth; i++)
                    for (var j = 0; j < 16; j++) to[(long)i * Panel + group + j] = j < columns ? TE.Scalar(from[(long)j * inFeatures + i]) : 0f;
            }
        }
    }

    /// <summary>
    /// to[i·<see cref="Panel"/> + j] = from[j·<paramref name="stride"/> + i] for i, j &lt; 16: sixteen rows loaded, transposed
    /// by interleaving 32-bit, then 64-bit elements, then 128-bit blocks twice (64 shuffles), and stored as sixteen columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transposed16<TE, T>(T* from, long stride, float* to)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var r0 = TE.Load16(from);
        var r1 = TE.Load16(from + stride);
        var r2 = TE.Load16(from + 2 * stride);
        var r3 = TE.Load16(from + 3 * stride);
        var r4 = TE.Load16(from + 4 * stride);
        var r5 = TE.Load16(from + 5 * stride);
        var r6 = TE.Load16(from + 6 * stride);
        var r7 = TE.Load16(from + 7 * stride);
        var r8 = TE.Load16(from + 8 * stride);
        var r9 = TE.Load16(from + 9 * stride);
        var r10 = TE.Load16(from + 10 * stride);
        var r11 = TE.Load16(from + 11 * stride);
        var r12 = TE.Load16(from + 12 * stride);
        var r13 = TE.Load16(from + 13 * stride);
        var r14 = TE.Load16(from + 14 * stride);
        var r15 = TE.Load16(from + 15 * stride);
        // Rows a, b → within each 128-bit block [a0 b0 a1 b1] and [a2 b2 a3 b3].
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9);
        var t9 = Avx512F.UnpackHigh(r8, r9);
        var t10 = Avx512F.UnpackLow(r10, r11);
        var t11 = Avx512F.UnpackHigh(r10, r11);
        var t12 = Avx512F.UnpackLow(r12, r13);
        var t13 = Avx512F.UnpackHigh(r12, r13);
        var t14 = Avx512F.UnpackLow(r14, r15);
        var t15 = Avx512F.UnpackHigh(r14, r15);
        // Pairs of those → each 128-bit block holds one input index of four consecutive rows.
        r0 = Low64(t0, t2);
        r1 = High64(t0, t2);
        r2 = Low64(t1, t3);
        r3 = High64(t1, t3);
        r4 = Low64(t4, t6);
        r5 = High64(t4, t6);
        r6 = Low64(t5, t7);
        r7 = High64(t5, t7);
        r8 = Low64(t8, t10);
        r9 = High64(t8, t10);
        r10 = Low64(t9, t11);
        r11 = High64(t9, t11);
        r12 = Low64(t12, t14);
        r13 = High64(t12, t14);
        r14 = Low64(t13, t15);
        r15 = High64(t13, t15);
        // 128-bit blocks: even blocks (0x88) and odd blocks (0xDD) of two vectors, twice, gather each input index's 16 rows.
        t0 = Avx512F.Shuffle4x128(r0, r4, 0x88);
        t1 = Avx512F.Shuffle4x128(r1, r5, 0x88);
        t2 = Avx512F.Shuffle4x128(r2, r6, 0x88);
        t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
        t4 = Avx512F.Shuffle4x128(r0, r4, 0xDD);
        t5 = Avx512F.Shuffle4x128(r1, r5, 0xDD);
        t6 = Avx512F.Shuffle4x128(r2, r6, 0xDD);
        t7 = Avx512F.Shuffle4x128(r3, r7, 0xDD);
        t8 = Avx512F.Shuffle4x128(r8, r12, 0x88);
        t9 = Avx512F.Shuffle4x128(r9, r13, 0x88);
        t10 = Avx512F.Shuffle4x128(r10, r14, 0x88);
        t11 = Avx512F.Shuffle4x128(r11, r15, 0x88);
        t12 = Avx512F.Shuffle4x128(r8, r12, 0xDD);
        t13 = Avx512F.Shuffle4x128(r9, r13, 0xDD);
        t14 = Avx512F.Shuffle4x128(r10, r14, 0xDD);
        t15 = Avx512F.Shuffle4x128(r11, r15, 0xDD);
        Avx512F.Shuffle4x128(t0, t8, 0x88).Store(to);
        Avx512F.Shuffle4x128(t1, t9, 0x88).Store(to + Panel);
        Avx512F.Shuffle4x128(t2, t10, 0x88).Store(to + 2 * Panel);
        Avx512F.Shuffle4x128(t3, t11, 0x88).Store(to + 3 * Panel);
        Avx512F.Shuffle4x128(t4, t12, 0x88).Store(to + 4 * Panel);
        Avx512F.Shuffle4x128(t5, t13, 0x88).Store(to + 5 * Panel);
        Avx512F.Shuffle4x128(t6, t14, 0x88).Store(to + 6 * Panel);
        Avx512F.Shuffle4x128(t7, t15, 0x88).Store(to + 7 * Panel);
        Avx512F.Shuffle4x128(t0, t8, 0xDD).Store(to + 8 * Panel);
        Avx512F.Shuffle4x128(t1, t9, 0xDD).Store(to + 9 * Panel);
        Avx512F.Shuffle4x128(t2, t10, 0xDD).Store(to + 10 * Panel);
        Avx512F.Shuffle4x128(t3, t11, 0xDD).Store(to + 11 * Panel);
        Avx512F.Shuffle4x128(t4, t12, 0xDD).Store(to + 12 * Panel);
        Avx512F.Shuffle4x128(t5, t13, 0xDD).Store(to + 13 * Panel);
        Avx512F.Shuffle4x128(t6, t14, 0xDD).Store(to + 14 * Panel);
        Avx512F.Shuffle4x128(t7, t15, 0xDD).Store(to + 15 * Panel);

        static Vector512<float> Low64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

        static Vector512<float> High64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
    }
}
