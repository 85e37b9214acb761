using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Steering.Models.Kernels;

/// <summary>
/// How a kernel reads weights (or activations) of one storage type as float32: 16 at a time into a vector, or one;
/// and how it stores a float32 result in that type. Implemented by structs so the JIT compiles each kernel once per
/// storage type with the load inlined.
/// </summary>
internal unsafe interface IWeightElements<T> where T : unmanaged
{
    /// <summary>The 16 weights at <paramref name="p"/> as float32.</summary>
    static abstract Vector512<float> Load16(T* p);

    /// <summary>One weight as float32.</summary>
    static abstract float Scalar(T value);

    /// <summary><paramref name="value"/> rounded to the nearest element of this type (ties to even), as libtorch casts.</summary>
    static abstract T Round(float value);
}

/// <summary>float32 weights, read as they are.</summary>
internal readonly unsafe struct Float32Elements : IWeightElements<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float value) => value;
}

/// <summary>
/// bfloat16 weights: a bfloat16 is the upper half of a float32, so widening is exact — zero-extend to 32 bits and
/// shift left by 16. Half the bytes come from memory; the arithmetic is float32.
/// </summary>
internal readonly unsafe struct BFloat16Elements : IWeightElements<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(ushort* p) =>
        Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe()), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ushort value) => System.BitConverter.Int32BitsToSingle(value << 16);

    /// <summary>c10::BFloat16's round_to_nearest_even: add 0x7FFF plus the lowest kept bit, keep the upper half; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Round(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        var bits = System.BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }
}

/// <summary>
/// IEEE binary16 (float16) weights, widened exactly in registers. .NET 10 exposes no half→float vector conversion
/// (no F16C / AVX-512 <c>vcvtph2ps</c> intrinsic, no <c>Vector512&lt;Half&gt;</c> arithmetic), so it is done with
/// integer and float operations: sign, exponent and mantissa moved into float32 position and scaled by 2¹¹² (the
/// difference of the exponent biases), which is exact for normal and subnormal values; infinities and NaNs (whose
/// scaled value would come out finite, at least 2¹⁶ in magnitude — beyond every finite float16) get the all-ones
/// exponent back. Seven vector operations per 16 weights: still under the time to read them from memory.
/// </summary>
/// <remarks>
/// The scaling multiplies float32 subnormals (float16's subnormals before scaling): exact under the default floating
/// point environment; a thread that sets denormals-are-zero (e.g. torch.set_flush_denormal) would read float16
/// subnormals (|w| &lt; 6.1e-5) as zero.
/// </remarks>
internal readonly unsafe struct Float16Elements : IWeightElements<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(ushort* p) =>
        // Sign-extending to 32 bits and shifting left by 13 puts the sign in bits 28–31, the exponent in 23–27 and the
        // mantissa in 13–22; clearing bits 28–30 leaves a float32 whose value is the float16's × 2⁻¹¹².
        Scale(Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load((short*)p).ToVector512Unsafe()), 13)
            & Vector512.Create(unchecked((int)0x8FFF_FFFF)));

    /// <summary>The float16 whose bits are laid out in float32 position in <paramref name="bits"/> (value × 2⁻¹¹²), as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scale(Vector512<int> bits)
    {
        var value = bits.AsSingle() * Vector512.Create(0x7780_0000).AsSingle(); // × 2¹¹²
        var special = Vector512.GreaterThanOrEqual(Vector512.Abs(value), Vector512.Create(65536f));
        return Vector512.ConditionalSelect(special, (bits | Vector512.Create(0x7F80_0000)).AsSingle(), value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ushort value) => (float)System.BitConverter.UInt16BitsToHalf(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Round(float value) => System.BitConverter.HalfToUInt16Bits((System.Half)value);
}
