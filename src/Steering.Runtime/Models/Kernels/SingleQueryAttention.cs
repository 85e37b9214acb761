using System;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>
/// The attention of a decode step — one new position per sequence against its KV cache — in one call: the new keys and
/// values written into the cache's buffers, softmax(q·Kᵀ·scale + bias)·V per head, the result as z
/// [batch, 1, heads, d_head]. Float32, bfloat16 or float16 on the CPU (16-bit values are widened to float32 in
/// registers, and z is rounded once from float32), no autograd graph; anything else goes to libtorch.
/// </summary>
/// <remarks>
/// Why: at one query the work is tiny (12 heads × ~50 keys × 64 for GPT-2 small) and the cost is the calls. libtorch
/// takes about ten — three transposes, two narrow + copy_ + narrow into the cache, scaled_dot_product_attention, a
/// transpose back — and in a decode step each follows a matrix product that has streamed megabytes of weights through
/// the caches, so each runs cold: measured (<c>--step-profile</c>) at 30–55 µs per layer in the step against 20 µs warm.
/// Here it is one call that creates one tensor. Results differ from libtorch's only in float32 rounding order. In
/// 16-bit the gain is larger: libtorch's bfloat16 attention on the CPU took ~70 µs per layer cold (<c>--step-profile
/// --dtype bfloat16</c>).
/// </remarks>
internal static unsafe class SingleQueryAttention
{
    /// <summary>Whether decode attention runs here (the benchmarks turn it off to time libtorch side by side).</summary>
    internal static bool Enabled { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// z for one new position per sequence, or null when this kernel does not apply (then nothing was written).
    /// </summary>
    /// <param name="qkv">[batch, 1, 3 × heads × d_head] contiguous: queries, keys, values of the new position, side by side.</param>
    /// <param name="keys">The block's key buffer [batch, heads, capacity, d_head], contiguous; the new key goes to position <paramref name="cached"/>.</param>
    /// <param name="values">The value buffer, shaped like <paramref name="keys"/>.</param>
    /// <param name="cached">Positions already cached; attention covers these and the new one.</param>
    /// <param name="bias">[batch, 1, 1, cached + 1] additive mask.</param>
    /// <param name="scale">The factor on q·k.</param>
    public static Tensor? TryCompute(Tensor qkv, Tensor keys, Tensor values, int cached, Tensor bias, double scale)
    {
        var dtype = qkv.dtype;
        if (!Enabled || dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16) || keys.dtype != dtype || values.dtype != dtype
            || bias.dtype != dtype || qkv.device_type != DeviceType.CPU || keys.device_type != DeviceType.CPU
            || values.device_type != DeviceType.CPU || bias.device_type != DeviceType.CPU
            || keys.dim() != 4 || !keys.shape.AsSpan().SequenceEqual(values.shape) || qkv.dim() != 3)
            return null;
        long batch = keys.shape[0], heads = keys.shape[1], capacity = keys.shape[2], width = keys.shape[3];
        var total = cached + 1L;
        if (qkv.shape[0] != batch || qkv.shape[1] != 1 || qkv.shape[2] != 3 * heads * width || capacity < total
            || bias.shape is not [var biasBatch, 1, 1, var biasKeys] || biasBatch != batch || biasKeys != total
            || !qkv.is_contiguous() || !keys.is_contiguous() || !values.is_contiguous() || !bias.is_contiguous())
            return null;
        if (is_grad_enabled() && (qkv.requires_grad || keys.requires_grad || values.requires_grad || bias.requires_grad)) return null;

        var z = empty(new[] { batch, 1, heads, width }, dtype);
        var shape = new Shape(batch, heads, capacity, width, cached);
        nint q = TensorMemory.Address(qkv), k = TensorMemory.Address(keys), v = TensorMemory.Address(values), b = TensorMemory.Address(bias), output = TensorMemory.Address(z);
        switch (dtype)
        {
            case ScalarType.BFloat16:
                Compute<BFloat16Elements, ushort>((ushort*)q, (ushort*)k, (ushort*)v, (ushort*)b, (ushort*)output, shape, (float)scale);
                break;
            case ScalarType.Float16:
                Compute<Float16Elements, ushort>((ushort*)q, (ushort*)k, (ushort*)v, (ushort*)b, (ushort*)output, shape, (float)scale);
                break;
            default:
                Compute<Float32Elements, float>((float*)q, (float*)k, (float*)v, (float*)b, (float*)output, shape, (float)scale);
                break;
        }
        return z;
    }

    /// <summary>The cache buffers' [batch, heads, capacity, width] and the positions already cached.</summary>
    private readonly record struct Shape(long Batch, long Heads, long Capacity, long Width, int Cached);

    private static void Compute<TE, T>(T* q, T* k, T* v, T* b, T* output, Shape shape, float scale)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var (batch, heads, capacity, width, cached) = shape;
        var total = cached + 1;
        // The scores, then (16-bit) the query widened to float32 once for all its keys.
        var buffer = new float[((total + 15) & ~15) + (typeof(T) == typeof(float) ? 0 : width)];
        fixed (float* scores = buffer)
        {
            var widened = scores + ((total + 15) & ~15);
            for (long row = 0; row < batch; row++)
            {
                for (long head = 0; head < heads; head++)
                {
                    var query = q + row * 3 * heads * width + head * width;
                    var headKeys = k + (row * heads + head) * capacity * width;
                    var headValues = v + (row * heads + head) * capacity * width;
                    new ReadOnlySpan<T>(query + heads * width, (int)width).CopyTo(new Span<T>(headKeys + cached * width, (int)width));
                    new ReadOnlySpan<T>(query + 2 * heads * width, (int)width).CopyTo(new Span<T>(headValues + cached * width, (int)width));
                    float* floatQuery;
                    if (typeof(T) == typeof(float)) floatQuery = (float*)query;
                    else
                    {
                        RowKernels.Widen<TE, T>(query, widened, width);
                        floatQuery = widened;
                    }
                    Attend<TE, T>(floatQuery, headKeys, headValues, total, (int)width, scale, b + row * total, scores, output + (row * heads + head) * width);
                }
            }
        }
    }

    /// <summary>
    /// softmax(q·kⱼ·scale + biasⱼ) over the <paramref name="count"/> keys, then Σⱼ weightⱼ·vⱼ into
    /// <paramref name="output"/>; <paramref name="scores"/> has room for the count rounded up to 16 floats.
    /// </summary>
    private static void Attend<TE, T>(float* query, T* keys, T* values, int count, int width, float scale, T* bias, float* scores, T* output)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var padded = (count + 15) & ~15;
        var max = float.NegativeInfinity;
        for (var j = 0; j < count; j++)
        {
            var score = Dot<TE, T>(query, keys + (long)j * width, width) * scale + TE.Scalar(bias[j]);
            scores[j] = score;
            if (score > max) max = score;
        }
        // exp(-∞) = 0: the padding up to a whole vector adds nothing to the sum.
        for (var j = count; j < padded; j++) scores[j] = float.NegativeInfinity;
        var shift = Vector512.Create(max);
        var total = Vector512<float>.Zero;
        for (var j = 0; j < padded; j += 16)
        {
            var weights = Vector512.Exp(Vector512.Load(scores + j) - shift);
            weights.Store(scores + j);
            total += weights;
        }
        var inverse = 1f / Vector512.Sum(total);
        var i = 0;
        for (; i + 16 <= width; i += 16)
        {
            // One 16-wide slice of the output at a time, kept in a register across all keys.
            var acc = Vector512<float>.Zero;
            for (var j = 0; j < count; j++)
                acc = Vector512.FusedMultiplyAdd(TE.Load16(values + (long)j * width + i), Vector512.Create(scores[j]), acc);
            TE.Store16(acc * inverse, output + i);
        }
        for (; i < width; i++)
        {
            var sum = 0f;
            for (var j = 0; j < count; j++) sum += scores[j] * TE.Scalar(values[(long)j * width + i]);
            output[i] = TE.Round(sum * inverse);
        }
    }

    private static float Dot<TE, T>(float* a, T* b, int n)
        where TE : struct, IWeightElements<T> where T : unmanaged
    {
        var i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16)
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), TE.Load16(b + i), acc);
        var sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += a[i] * TE.Scalar(b[i]);
        return sum;
    }
}
