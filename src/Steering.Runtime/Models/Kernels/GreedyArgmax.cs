using System;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>
/// Greedy decoding's next tokens — each row's argmax over the vocabulary — read straight from float32, bfloat16 or
/// float16 logits on the CPU (16-bit values widened exactly) into a C# array: one pass over the logits instead of libtorch's argmax, a copy to the CPU and a read-out (three
/// calls, each cold after the LM head; libtorch's argmax alone took ~45 µs per row of 50257 in <c>--step-profile</c>).
/// As torch.argmax: the first of equal maxima; a NaN counts as the maximum (its first index).
/// </summary>
internal static unsafe class GreedyArgmax
{
    /// <summary>Whether the argmax runs here (the benchmarks turn it off to time libtorch side by side).</summary>
    internal static bool Enabled { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Each row's argmax, <paramref name="logits"/> read as contiguous rows of its last dimension; null when the logits
    /// are not contiguous float32, bfloat16 or float16 on the CPU (then libtorch's argmax does it).
    /// </summary>
    public static long[]? TryCompute(Tensor logits)
    {
        if (!Enabled || logits.dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16) || logits.device_type != DeviceType.CPU
            || logits.dim() < 1 || !logits.is_contiguous())
            return null;
        var width = logits.shape[^1];
        if (width == 0 || width > int.MaxValue) return null;
        var rows = logits.NumberOfElements / width;
        var result = new long[rows];
        var data = TensorMemory.Address(logits);
        for (long row = 0; row < rows; row++)
        {
            result[row] = logits.dtype switch
            {
                ScalarType.BFloat16 => Row<BFloat16Elements, ushort>((ushort*)data + row * width, (int)width),
                ScalarType.Float16 => Row<Float16Elements, ushort>((ushort*)data + row * width, (int)width),
                _ => Row<Float32Elements, float>((float*)data + row * width, (int)width),
            };
        }
        return result;
    }

    private static int Row<TE, T>(T* values, int count)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        // The maximum first (vectorized), then its first index; NaN compares false, so it is looked for apart.
        var i = 0;
        var best = Vector512.Create(float.NegativeInfinity);
        var nan = Vector512<float>.Zero;
        for (; i + 16 <= count; i += 16)
        {
            var v = TE.Load16(values + i);
            best = Vector512.Max(best, v);
            nan |= ~Vector512.Equals(v, v);
        }
        var max = float.NegativeInfinity;
        for (var lane = 0; lane < 16; lane++) max = Math.Max(max, best[lane]);
        var hasNaN = nan != Vector512<float>.Zero;
        for (var j = i; j < count; j++)
        {
            var value = TE.Scalar(values[j]);
            if (float.IsNaN(value)) hasNaN = true;
            else if (value > max) max = value;
        }
        for (var j = 0; j < count; j++)
        {
            var value = TE.Scalar(values[j]);
            if (hasNaN ? float.IsNaN(value) : value == max) return j;
        }
        return 0;
    }
}
