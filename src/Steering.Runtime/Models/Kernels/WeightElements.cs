using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Steering.Models.Kernels;

/// <summary>
/// How a kernel reads weights of one storage type as float32: 16 at a time into a vector, or one. Implemented by
/// structs so the JIT compiles each kernel once per storage type with the load inlined.
/// </summary>
internal unsafe interface IWeightElements<T> where T : unmanaged
{
    /// <summary>The 16 weights at <paramref name="p"/> as float32.</summary>
    static abstract Vector512<float> Load16(T* p);

    /// <summary>One weight as float32.</summary>
    static abstract float Scalar(T value);
}

/// <summary>float32 weights, read as they are.</summary>
internal readonly unsafe struct Float32Elements : IWeightElements<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(float value) => value;
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
}
