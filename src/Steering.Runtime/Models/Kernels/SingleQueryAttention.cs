using System;
using System.Buffers;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>
/// The heads of one new position per sequence inside a contiguous tensor [batch, 1, …]: sequence b's head h starts at
/// element <paramref name="Offset"/> + b·<paramref name="RowStride"/> + h·d_head. A fused q/k/v projection's output
/// is three of these over one tensor; separate projections are one each.
/// </summary>
internal readonly record struct NewHeads(Tensor Source, long Offset, long RowStride)
{
    /// <summary>The heads of <paramref name="projection"/> [batch, 1, heads × d_head] as they are.</summary>
    public static NewHeads Of(Tensor projection) => new(projection, 0, projection.shape[^1]);
}

/// <summary>
/// A decode step's attention inputs besides the cache: the new position's query, key and value heads, how many of each
/// (<paramref name="KvHeads"/> divides <paramref name="Heads"/>; grouped-query attention when it is smaller), the
/// additive mask [batch, 1, 1, cached + 1] (padding, sliding window), the factor on q·k, the optional soft cap
/// (scores become cap·tanh(scores / cap) before the mask is added), and the rotary cos/sin [batch, 1, 1, d_head] to
/// apply to the query and the new key, or null.
/// </summary>
internal sealed record SingleQuery(
    long Batch, long Heads, long KvHeads, long HeadWidth, NewHeads Query, NewHeads Key, NewHeads Value,
    Tensor Bias, double Scale, double? Softcap, (Tensor Cos, Tensor Sin)? Rotary);

/// <summary>
/// The attention of a decode step — one new position per sequence against its KV cache — in one call, for every
/// family: the rotary embedding applied to the new query and key (if any), the new key and value written into the
/// cache's buffers, softmax(softcap(q·Kᵀ·scale) + bias)·V per query head against its group's key/value head, the
/// result as z [batch, 1, heads, d_head]. float32, bfloat16 or float16 on the CPU, no autograd graph; anything else
/// goes to libtorch.
/// </summary>
/// <remarks>
/// Why: at one query the work is tiny (12 heads × ~50 keys × 64 for GPT-2 small) and the cost is the calls. libtorch
/// takes about ten for GPT-2 — three transposes, two narrow + copy_ + narrow into the cache, scaled_dot_product_attention,
/// a transpose back — and some twenty more for a Llama (rotary: narrow, neg, cat, two products and a sum for q and for
/// k; repeat_interleave of keys and values for grouped heads), and in a decode step each follows a matrix product that
/// has streamed megabytes of weights through the caches, so each runs cold: measured (<c>--step-profile</c>) at 30–55 µs
/// per layer in the step against 20 µs warm. Here it is one call that creates one tensor.
/// <para>Exactness: the rotary embedding is computed as libtorch computes it, x·cos + rotate_half(x)·sin with each
/// product and the sum rounded to the compute dtype, so the cached keys are bit-identical to the general path's.
/// Scores, softmax and the weighted sum are float32 whatever the dtype (z is rounded once at the end): they differ from
/// libtorch's only in rounding order.</para>
/// </remarks>
internal static unsafe class SingleQueryAttention
{
    /// <summary>Whether decode attention runs here (the benchmarks turn it off to time libtorch side by side).</summary>
    internal static bool Enabled { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// z [batch, 1, heads, d_head] for one new position per sequence, or null when this kernel does not apply (then
    /// nothing was written).
    /// </summary>
    /// <param name="step">The new position's heads, mask and scoring.</param>
    /// <param name="keys">The block's key buffer [batch, kv_heads, capacity, d_head], contiguous; the new key goes to position <paramref name="cached"/>.</param>
    /// <param name="values">The value buffer, shaped like <paramref name="keys"/>.</param>
    /// <param name="cached">Positions already cached; attention covers these and the new one.</param>
    public static Tensor? TryCompute(SingleQuery step, Tensor keys, Tensor values, int cached)
    {
        if (!Enabled || !Applies(step, keys, values, cached)) return null;
        return keys.dtype switch
        {
            ScalarType.Float32 => Compute<float, Float32Elements>(step, keys, values, cached),
            ScalarType.BFloat16 => Compute<ushort, BFloat16Elements>(step, keys, values, cached),
            _ => Compute<ushort, Float16Elements>(step, keys, values, cached),
        };
    }

    private static bool Applies(SingleQuery step, Tensor keys, Tensor values, int cached)
    {
        var dtype = keys.dtype;
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16)) return false;
        long batch = step.Batch, width = step.HeadWidth, total = cached + 1L;
        if (step.KvHeads <= 0 || step.Heads % step.KvHeads != 0 || width <= 0
            || !keys.shape.AsSpan().SequenceEqual(values.shape) || keys.shape is not [var b, var kvHeads, var capacity, var w]
            || b != batch || kvHeads != step.KvHeads || w != width || capacity < total
            || step.Bias.shape is not [var biasBatch, 1, 1, var biasKeys] || biasBatch != batch || biasKeys != total)
            return false;
        Tensor[] all = step.Rotary is var (cos, sin)
            ? [keys, values, step.Bias, step.Query.Source, step.Key.Source, step.Value.Source, cos, sin]
            : [keys, values, step.Bias, step.Query.Source, step.Key.Source, step.Value.Source];
        foreach (var tensor in all)
        {
            if (tensor.dtype != dtype || tensor.device_type != DeviceType.CPU || !tensor.is_contiguous()) return false;
            if (is_grad_enabled() && tensor.requires_grad) return false;
        }
        if (step.Rotary is var (c, s) && (width % 2 != 0 || c.numel() != batch * width || s.numel() != batch * width)) return false;
        return Fits(step.Query, batch, step.Heads * width) && Fits(step.Key, batch, step.KvHeads * width) && Fits(step.Value, batch, step.KvHeads * width);
    }

    /// <summary>Whether every sequence's <paramref name="span"/> elements lie inside the source tensor.</summary>
    private static bool Fits(NewHeads heads, long batch, long span) =>
        heads.Offset >= 0 && heads.RowStride >= span && heads.Offset + ((batch - 1) * heads.RowStride) + span <= heads.Source.numel();

    private static Tensor Compute<T, TElements>(SingleQuery step, Tensor keys, Tensor values, int cached)
        where T : unmanaged where TElements : IWeightElements<T>
    {
        long batch = step.Batch, heads = step.Heads, kvHeads = step.KvHeads, width = step.HeadWidth, capacity = keys.shape[2];
        var total = cached + 1;
        var group = heads / kvHeads;
        var z = empty(new[] { batch, 1, heads, width }, keys.dtype);
        var padded = (total + 15) & ~15;
        var scratch = ArrayPool<float>.Shared.Rent(padded + (2 * (int)width));
        try
        {
            fixed (float* buffer = scratch)
            {
                float* scores = buffer, query = buffer + padded, output = query + width;
                T* q = (T*)TensorMemory.Address(step.Query.Source) + step.Query.Offset, k = (T*)TensorMemory.Address(step.Key.Source) + step.Key.Offset;
                T* v = (T*)TensorMemory.Address(step.Value.Source) + step.Value.Offset, bias = (T*)TensorMemory.Address(step.Bias);
                T* keyBuffer = (T*)TensorMemory.Address(keys), valueBuffer = (T*)TensorMemory.Address(values), result = (T*)TensorMemory.Address(z);
                T* cos = null, sin = null;
                if (step.Rotary is var (c, s))
                {
                    cos = (T*)TensorMemory.Address(c);
                    sin = (T*)TensorMemory.Address(s);
                }
                for (long row = 0; row < batch; row++)
                {
                    T* rowCos = cos + (row * width), rowSin = sin + (row * width);
                    for (long head = 0; head < kvHeads; head++)
                    {
                        var slot = ((((row * kvHeads) + head) * capacity) + cached) * width;
                        var newKey = k + (row * step.Key.RowStride) + (head * width);
                        if (cos is null) new ReadOnlySpan<T>(newKey, (int)width).CopyTo(new Span<T>(keyBuffer + slot, (int)width));
                        else Rotate<T, TElements>(newKey, rowCos, rowSin, (int)width, keyBuffer + slot);
                        new ReadOnlySpan<T>(v + (row * step.Value.RowStride) + (head * width), (int)width).CopyTo(new Span<T>(valueBuffer + slot, (int)width));
                    }
                    for (long head = 0; head < heads; head++)
                    {
                        var newQuery = q + (row * step.Query.RowStride) + (head * width);
                        if (cos is null) Widen<T, TElements>(newQuery, (int)width, query);
                        else RotateWidened<T, TElements>(newQuery, rowCos, rowSin, (int)width, query);
                        var kvOffset = ((row * kvHeads) + (head / group)) * capacity * width;
                        Attend<T, TElements>(query, keyBuffer + kvOffset, valueBuffer + kvOffset, total, (int)width, (float)step.Scale,
                            step.Softcap is double cap ? (float)cap : 0f, bias + (row * total), scores, output);
                        var target = result + (((row * heads) + head) * width);
                        for (var i = 0; i < width; i++) target[i] = TElements.Round(output[i]);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
        return z;
    }

    private static void Widen<T, TElements>(T* x, int width, float* output) where T : unmanaged where TElements : IWeightElements<T>
    {
        for (var i = 0; i < width; i++) output[i] = TElements.Scalar(x[i]);
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin (rotate_half(x) = [−x₂, x₁]) with each product and the sum rounded to the dtype, as
    /// libtorch's three elementwise operations round them, into <paramref name="output"/>.
    /// </summary>
    private static void Rotate<T, TElements>(T* x, T* cos, T* sin, int width, T* output) where T : unmanaged where TElements : IWeightElements<T>
    {
        var half = width / 2;
        for (var i = 0; i < width; i++)
            output[i] = TElements.Round(RotatedElement<T, TElements>(x, cos, sin, half, i));
    }

    /// <summary>What <see cref="Rotate"/> writes, widened to float32 (the rotated query the scores use).</summary>
    private static void RotateWidened<T, TElements>(T* x, T* cos, T* sin, int width, float* output) where T : unmanaged where TElements : IWeightElements<T>
    {
        var half = width / 2;
        for (var i = 0; i < width; i++)
            output[i] = TElements.Scalar(TElements.Round(RotatedElement<T, TElements>(x, cos, sin, half, i)));
    }

    /// <summary>Element <paramref name="i"/> of x·cos + rotate_half(x)·sin before the sum's rounding.</summary>
    private static float RotatedElement<T, TElements>(T* x, T* cos, T* sin, int half, int i) where T : unmanaged where TElements : IWeightElements<T>
    {
        var rotated = i < half ? -TElements.Scalar(x[i + half]) : TElements.Scalar(x[i - half]);
        var straight = TElements.Scalar(TElements.Round(TElements.Scalar(x[i]) * TElements.Scalar(cos[i])));
        var turned = TElements.Scalar(TElements.Round(rotated * TElements.Scalar(sin[i])));
        return straight + turned;
    }

    /// <summary>
    /// softmax(softcap(q·kⱼ·scale) + biasⱼ) over the <paramref name="count"/> keys (no cap when <paramref name="softcap"/>
    /// is 0), then Σⱼ weightⱼ·vⱼ into <paramref name="output"/>; <paramref name="scores"/> has room for the count
    /// rounded up to 16 floats.
    /// </summary>
    private static void Attend<T, TElements>(float* query, T* keys, T* values, int count, int width, float scale, float softcap, T* bias, float* scores, float* output)
        where T : unmanaged where TElements : IWeightElements<T>
    {
        var padded = (count + 15) & ~15;
        var max = float.NegativeInfinity;
        for (var j = 0; j < count; j++)
        {
            var score = Dot<T, TElements>(query, keys + ((long)j * width), width) * scale;
            if (softcap != 0f) score = MathF.Tanh(score / softcap) * softcap;
            score += TElements.Scalar(bias[j]);
            scores[j] = score;
            if (score > max) max = score;
        }
        // exp(-∞) = 0: the padding up to a whole vector adds nothing to the sum.
        for (var j = count; j < padded; j++) scores[j] = float.NegativeInfinity;
        var shift = Vector512.Create(max);
        var sum = Vector512<float>.Zero;
        for (var j = 0; j < padded; j += 16)
        {
            var weights = Vector512.Exp(Vector512.Load(scores + j) - shift);
            weights.Store(scores + j);
            sum += weights;
        }
        var inverse = 1f / Vector512.Sum(sum);
        var i = 0;
        for (; i + 16 <= width; i += 16)
        {
            // One 16-wide slice of the output at a time, kept in a register across all keys.
            var acc = Vector512<float>.Zero;
            for (var j = 0; j < count; j++)
                acc = Vector512.FusedMultiplyAdd(TElements.Load16(values + ((long)j * width) + i), Vector512.Create(scores[j]), acc);
            (acc * inverse).Store(output + i);
        }
        for (; i < width; i++)
        {
            var weighted = 0f;
            for (var j = 0; j < count; j++) weighted += scores[j] * TElements.Scalar(values[((long)j * width) + i]);
            output[i] = weighted * inverse;
        }
    }

    private static float Dot<T, TElements>(float* a, T* b, int n) where T : unmanaged where TElements : IWeightElements<T>
    {
        var i = 0;
        var acc = Vector512<float>.Zero;
        for (; i + 16 <= n; i += 16)
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), TElements.Load16(b + i), acc);
        var sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += a[i] * TElements.Scalar(b[i]);
        return sum;
    }
}
