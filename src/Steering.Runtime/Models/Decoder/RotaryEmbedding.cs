using System;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// Rotary position embeddings as Hugging Face's default, <c>linear</c> and <c>llama3</c> rope types compute them
/// (modeling_rope_utils): frequencies θ^(−2i/d) over the whole head, angles position × frequency in float32, applied
/// as x·cos + rotate_half(x)·sin with cos/sin cast to the compute dtype.
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>The d_head/2 inverse frequencies, scaled as the layout's rope_scaling says.</summary>
    public static float[] InverseFrequencies(RotaryLayout rotary, int headWidth)
    {
        var frequencies = Enumerable.Range(0, headWidth / 2)
            .Select(i => 1.0 / Math.Pow(rotary.Theta, 2.0 * i / headWidth)).ToArray();
        if (rotary.Scaling is { } scaling)
        {
            for (var i = 0; i < frequencies.Length; i++)
                frequencies[i] = scaling.Type == RopeScaling.Llama3 ? Llama3(frequencies[i], scaling) : frequencies[i] / scaling.Factor;
        }
        return frequencies.Select(f => (float)f).ToArray();
    }

    /// <summary>
    /// Llama 3.1's scaling: wavelengths longer than original/low_freq_factor are divided by the factor, shorter than
    /// original/high_freq_factor kept, and the band between interpolated smoothly.
    /// </summary>
    private static double Llama3(double frequency, RopeScaling scaling)
    {
        var lowFrequencyWavelength = scaling.OriginalMaxPositions / scaling.LowFreqFactor;
        var highFrequencyWavelength = scaling.OriginalMaxPositions / scaling.HighFreqFactor;
        var wavelength = 2 * Math.PI / frequency;
        if (wavelength < highFrequencyWavelength) return frequency;
        if (wavelength > lowFrequencyWavelength) return frequency / scaling.Factor;
        var smooth = ((scaling.OriginalMaxPositions / wavelength) - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
        return ((1 - smooth) * frequency / scaling.Factor) + (smooth * frequency);
    }

    /// <summary>cos and sin [batch, pos, 1, d_head] of each position's angles, in <paramref name="dtype"/>.</summary>
    public static (Tensor Cos, Tensor Sin) Angles(float[] inverseFrequencies, Tensor positions, ScalarType dtype)
    {
        var frequencies = tensor(inverseFrequencies, ScalarType.Float32, positions.device);
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * frequencies;
        var both = cat(new[] { angles, angles }, -1).unsqueeze(2);
        return (both.cos().to(dtype), both.sin().to(dtype));
    }

    /// <summary>x·cos + rotate_half(x)·sin for x [batch, pos, heads, d_head].</summary>
    public static Tensor Apply(Tensor x, (Tensor Cos, Tensor Sin) angles)
    {
        var half = x.shape[^1] / 2;
        var rotated = cat(new[] { x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half) }, -1);
        return (x * angles.Cos) + (rotated * angles.Sin);
    }
}
