using System;
using System.Text.Json.Nodes;

namespace Steering.Tests.Support.Reference;

/// <summary>
/// Rotary position embedding as Hugging Face's modeling_rope_utils.py computes it (rope types <c>default</c>,
/// <c>linear</c>, <c>llama3</c>) and as the modeling files apply it (<c>rotate_half</c>: the first half of a head pairs
/// with the second half).
/// </summary>
public static class RotaryFrequencies
{
    /// <summary>
    /// The inverse frequencies for a head of <paramref name="headDim"/>: base^(−2i/d) for i &lt; d/2, then scaled as
    /// <paramref name="scaling"/> (a rope_scaling or rope_parameters object; null means default) says.
    /// </summary>
    /// <exception cref="NotSupportedException">A rope type other than default, linear and llama3.</exception>
    public static double[] InvFreq(JsonObject? scaling, double theta, int headDim)
    {
        var inv = new double[headDim / 2];
        for (var i = 0; i < inv.Length; i++)
        {
            inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
        }
        var type = scaling is null ? "default"
            : ReferenceConfig.Str(scaling, "rope_type", null) ?? ReferenceConfig.Str(scaling, "type", "default")!;
        switch (type)
        {
            case "default":
                return inv;
            case "linear":
                var factor = ReferenceConfig.Num(scaling!, "factor", double.NaN);
                for (var i = 0; i < inv.Length; i++) inv[i] /= factor;
                return inv;
            case "llama3":
                return Llama3(scaling!, inv);
            default:
                throw new NotSupportedException($"rope type '{type}' is not implemented by the reference");
        }
    }

    /// <summary>
    /// Llama 3.1's scaling: wavelengths longer than original_max_position_embeddings / low_freq_factor are divided by
    /// factor, shorter than original / high_freq_factor kept, and those between interpolated smoothly.
    /// </summary>
    private static double[] Llama3(JsonObject scaling, double[] inv)
    {
        var factor = ReferenceConfig.Num(scaling, "factor", double.NaN);
        var low = ReferenceConfig.Num(scaling, "low_freq_factor", double.NaN);
        var high = ReferenceConfig.Num(scaling, "high_freq_factor", double.NaN);
        var original = ReferenceConfig.Num(scaling, "original_max_position_embeddings", double.NaN);
        var lowFreqWavelen = original / low;
        var highFreqWavelen = original / high;
        var result = new double[inv.Length];
        for (var i = 0; i < inv.Length; i++)
        {
            var wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowFreqWavelen)
            {
                result[i] = inv[i] / factor;
            }
            else if (wavelen < highFreqWavelen)
            {
                result[i] = inv[i];
            }
            else
            {
                var smooth = (original / wavelen - low) / (high - low);
                result[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
        return result;
    }

    /// <summary>
    /// Rotates one head vector in place for position <paramref name="position"/>: with half = d/2 and angle
    /// a_i = position · invFreq[i], x[i] ← x[i]·cos a_i − x[i+half]·sin a_i and x[i+half] ← x[i+half]·cos a_i + x[i]·sin a_i.
    /// </summary>
    public static void Rotate(Span<double> head, double[] invFreq, int position)
    {
        ArgumentNullException.ThrowIfNull(invFreq);
        var half = head.Length / 2;
        for (var i = 0; i < half; i++)
        {
            var angle = position * invFreq[i];
            var (sin, cos) = Math.SinCos(angle);
            var first = head[i];
            var second = head[i + half];
            head[i] = first * cos - second * sin;
            head[i + half] = second * cos + first * sin;
        }
    }
}
