using System;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>
/// The attention of a decode step — one new position per sequence against its KV cache — in one call: the new keys and
/// values written into the cache's buffers, softmax(q·Kᵀ·scale + bias)·V per head, the result as z
/// [batch, 1, heads, d_head]. Float32 on the CPU, no autograd graph; anything else goes to libtorch.
/// </summary>
/// <remarks>
/// Why: at one query the work is tiny (12 heads × ~50 keys × 64 for GPT-2 small) and the cost is the calls. libtorch
/// takes about ten — three transposes, two narrow + copy_ + narrow into the cache, scaled_dot_product_attention, a
/// transpose back — and in a decode step each follows a matrix product that has streamed megabytes of weights through
/// the caches, so each runs cold: measured (<c>--step-profile</c>) at 30–55 µs per layer in the step against 20 µs warm.
/// Here it is one call that creates one tensor. Results differ from libtorch's only in float32 rounding order.
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
        if (!Enabled || qkv.dtype != ScalarType.Float32 || keys.dtype != ScalarType.Float32 || values.dtype != ScalarType.Float32
            || bias.dtype != ScalarType.Float32 || qkv.device_type != DeviceType.CPU || keys.device_type != DeviceType.CPU
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

        var z = empty(new[] { batch, 1, heads, width }, ScalarType.Float32);
        var scores = new float[(total + 15) & ~15];
        fixed (float* scoreBuffer = scores)
        {
            float* q = TensorMemory.Floats(qkv), k = TensorMemory.Floats(keys), v = TensorMemory.Floats(values), b = TensorMemory.Floats(bias), output = TensorMemory.Floats(z);
            for (long row = 0; row < batch; row++)
            {
                for (long head = 0; head < heads; head++)
                {
                    var query = q + row * 3 * heads * width + head * width;
                    var headKeys = k + (row * heads + head) * capacity * width;
                    var headValues = v + (row * heads + head) * capacity * width;
                    new ReadOnlySpan<float>(query + heads * width, (int)width).CopyTo(new Span<float>(headKeys + cached * width, (int)width));
                    new ReadOnlySpan<float>(query + 2 * heads * width, (int)width).CopyTo(new Span<float>(headValues + cached * width, (int)width));
                    Attend(query, headKeys, headValues, (int)total, (int)width, (float)scale, b + row * total, scoreBuffer, output + (row * heads + head) * width);
                }
            }
        }
        return z;
    }

    /// <summary>
    /// softmax(q·kⱼ·scale + biasⱼ) over the <paramref name="count"/> keys, then Σⱼ weightⱼ·vⱼ into
    /// <paramref name="output"/>; <paramref name="scores"/> has room for the count rounded up to 16 floats.
    /// </summary>
    private static void Attend(float* query, float* keys, float* values, int count, int width, float scale, float* bias, float* scores, float* output)
    {
        var padded = (count + 15) & ~15;
        var max = float.NegativeInfinity;
        for (var j = 0; j < count; j++)
        {
            var score = Dot(query, keys + (long)j * width, width) * scale + bias[j];
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
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(values + (long)j * width + i), Vector512.Create(scores[j]), acc);
            (acc * inverse).Store(output + i);
        }
        for (; i < width; i++)
        {
            var sum = 0f;
            for (var j = 0; j < count; j++) sum += scores[j] * values[(long)j * width + i];
            output[i] = sum * inverse;
        }
    }

    private static float Dot(float* a, float* b, int n)
    {
        var i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16)
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc);
        var sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }
}
