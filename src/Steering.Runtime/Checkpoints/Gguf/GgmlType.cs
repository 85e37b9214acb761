using System.Collections.Generic;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// A tensor's element type in a GGUF file (ggml's <c>ggml_type</c>). Steering writes F32, F16, BF16 and Q8_0 and loads
/// those and the plain integer and F64 types; it reads the header of files with any type listed here.
/// </summary>
public enum GgmlType : uint
{
#pragma warning disable CS1591 // ggml's own names; their layouts are in GgmlTypes.
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
#pragma warning restore CS1591
}

/// <summary>Block layouts of the ggml types: how many elements a block holds and how many bytes it takes.</summary>
public static class GgmlTypes
{
    private const int QK = 256; // ggml's QK_K: the super-block of the k-quants and i-quants

    // gguf-py's GGML_QUANT_SIZES (block size, type size).
    private static readonly Dictionary<GgmlType, (int BlockSize, int TypeSize)> Layouts = new()
    {
        [GgmlType.F32] = (1, 4),
        [GgmlType.F16] = (1, 2),
        [GgmlType.Q4_0] = (32, 2 + 16),
        [GgmlType.Q4_1] = (32, 2 + 2 + 16),
        [GgmlType.Q5_0] = (32, 2 + 4 + 16),
        [GgmlType.Q5_1] = (32, 2 + 2 + 4 + 16),
        [GgmlType.Q8_0] = (32, 2 + 32),
        [GgmlType.Q8_1] = (32, 4 + 4 + 32),
        [GgmlType.Q2_K] = (QK, 2 + 2 + (QK / 16) + (QK / 4)),
        [GgmlType.Q3_K] = (QK, 2 + (QK / 4) + (QK / 8) + 12),
        [GgmlType.Q4_K] = (QK, 2 + 2 + (QK / 2) + 12),
        [GgmlType.Q5_K] = (QK, 2 + 2 + (QK / 2) + (QK / 8) + 12),
        [GgmlType.Q6_K] = (QK, 2 + (QK / 2) + (QK / 4) + (QK / 16)),
        [GgmlType.Q8_K] = (QK, 4 + QK + (QK / 8)),
        [GgmlType.IQ2_XXS] = (QK, 2 + (QK / 4)),
        [GgmlType.IQ2_XS] = (QK, 2 + (QK / 4) + (QK / 32)),
        [GgmlType.IQ3_XXS] = (QK, 2 + (QK / 4) + (QK / 8)),
        [GgmlType.IQ1_S] = (QK, 2 + (QK / 8) + (QK / 16)),
        [GgmlType.IQ4_NL] = (32, 2 + 16),
        [GgmlType.IQ3_S] = (QK, 2 + (QK / 4) + (QK / 8) + (QK / 32) + 4),
        [GgmlType.IQ2_S] = (QK, 2 + (QK / 4) + (QK / 16)),
        [GgmlType.IQ4_XS] = (QK, 2 + 2 + (QK / 2) + (QK / 64)),
        [GgmlType.I8] = (1, 1),
        [GgmlType.I16] = (1, 2),
        [GgmlType.I32] = (1, 4),
        [GgmlType.I64] = (1, 8),
        [GgmlType.F64] = (1, 8),
        [GgmlType.IQ1_M] = (QK, (QK / 8) + (QK / 16) + (QK / 32)),
        [GgmlType.BF16] = (1, 2),
        [GgmlType.TQ1_0] = (QK, 2 + (4 * 13)),
        [GgmlType.TQ2_0] = (QK, 2 + 64),
        [GgmlType.MXFP4] = (32, 1 + 16),
    };

    /// <summary>Whether <paramref name="type"/> is a type this table knows.</summary>
    public static bool IsKnown(GgmlType type) => Layouts.ContainsKey(type);

    /// <summary>Elements per block (1 for the plain types, 32 for Q8_0, 256 for the k-quants).</summary>
    public static int BlockSize(this GgmlType type) => Layouts[type].BlockSize;

    /// <summary>Bytes per block.</summary>
    public static int TypeSize(this GgmlType type) => Layouts[type].TypeSize;

    /// <summary>
    /// The bytes <paramref name="elements"/> elements take, or null when the count is not a whole number of blocks or
    /// the size overflows.
    /// </summary>
    public static long? ByteLength(this GgmlType type, long elements)
    {
        var (block, size) = Layouts[type];
        if (elements % block != 0) return null;
        try
        {
            return checked(elements / block * size);
        }
        catch (System.OverflowException)
        {
            return null;
        }
    }
}
