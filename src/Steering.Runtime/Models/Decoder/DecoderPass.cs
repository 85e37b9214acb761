using System.Collections.Generic;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// What the blocks of one forward pass share: positions, padding and phase (<see cref="ForwardPass"/>), the attention
/// mask, and each rotary embedding's cos/sin, computed once per pass for every layer that uses it.
/// </summary>
internal sealed class DecoderPass(ForwardPass pass, AttentionMask mask, ScalarType dtype)
{
    private readonly Dictionary<RotaryLayout, (Tensor Cos, Tensor Sin)> _angles = new();

    public ForwardPass Pass { get; } = pass;

    public AttentionMask Mask { get; } = mask;

    /// <summary>cos/sin for <paramref name="rotary"/> at this pass's positions.</summary>
    public (Tensor Cos, Tensor Sin) Angles(RotaryLayout rotary, float[] inverseFrequencies)
    {
        if (!_angles.TryGetValue(rotary, out var angles))
            _angles[rotary] = angles = RotaryEmbedding.Angles(inverseFrequencies, Pass.Positions, dtype);
        return angles;
    }
}
