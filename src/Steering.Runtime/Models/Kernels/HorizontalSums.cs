using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Steering.Models.Kernels;

/// <summary>
/// The sums of the 16 lanes of eight vectors at once, by transposing while adding: 14 shuffles and 7 adds (plus two of
/// each to finish) instead of eight separate horizontal sums (about 8 dependent operations each).
/// </summary>
internal static class HorizontalSums
{
    /// <summary>[Σa0, Σa1, …, Σa7] (each sum over the 16 lanes, in a fixed order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of8(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7)
    {
        // Each step halves the lanes each vector's partial sums occupy and doubles the vectors one register holds.
        // 128-bit blocks: [a.0+a.2, a.1+a.3, b.0+b.2, b.1+b.3].
        var p0 = Blocks(a0, a4);
        var p1 = Blocks(a1, a5);
        var p2 = Blocks(a2, a6);
        var p3 = Blocks(a3, a7);
        // Within each 128-bit block: pairs of elements, then single elements. Block k of s then holds the partial sums
        // of a0…a3 (k = 0, 1) or a4…a7 (k = 2, 3), one element each.
        var q0 = Pairs(p0, p1);
        var q1 = Pairs(p2, p3);
        var s = Avx512F.Shuffle(q0, q1, 0b10_00_10_00) + Avx512F.Shuffle(q0, q1, 0b11_01_11_01);
        // Blocks 0 + 1 and 2 + 3.
        var t = Avx512F.Shuffle4x128(s, s, 0b00_00_10_00) + Avx512F.Shuffle4x128(s, s, 0b00_00_11_01);
        return t.GetLower();

        static Vector512<float> Blocks(Vector512<float> a, Vector512<float> b) =>
            Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);

        static Vector512<float> Pairs(Vector512<float> a, Vector512<float> b) =>
            Avx512F.Shuffle(a, b, 0b01_00_01_00) + Avx512F.Shuffle(a, b, 0b11_10_11_10);
    }
}
