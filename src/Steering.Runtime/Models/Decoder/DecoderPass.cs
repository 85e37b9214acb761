using System.Collections.Generic;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// What the blocks of one forward pass share: positions, padding and phase (<see cref="ForwardPass"/>), the attention
/// mask, each rotary embedding's cos/sin, computed once per pass for every layer that uses it, and which positions
/// need logits: with lastPositionLogits (generation reads only the last position) the LM head — d_model × d_vocab,
/// the largest matrix of a small model — runs on one position instead of all of them.
/// </summary>
internal sealed class DecoderPass(ForwardPass pass, AttentionMask mask, ScalarType dtype, bool lastPositionLogits = false)
{
    private readonly Dictionary<RotaryLayout, (Tensor Cos, Tensor Sin)> _angles = new();

    public ForwardPass Pass { get; } = pass;

    public AttentionMask Mask { get; } = mask;

    /// <summary>The final-norm output [batch, pos, d_model] the LM head should see: every position, or only the last.</summary>
    public Tensor HeadInput(Tensor normalized) => lastPositionLogits ? normalized.narrow(1, normalized.shape[1] - 1, 1) : normalized;

    /// <summary>cos/sin for <paramref name="rotary"/> at this pass's positions.</summary>
    public (Tensor Cos, Tensor Sin) Angles(RotaryLayout rotary, float[] inverseFrequencies)
    {
        if (!_angles.TryGetValue(rotary, out var angles))
            _angles[rotary] = angles = RotaryEmbedding.Angles(inverseFrequencies, Pass.Positions, dtype);
        return angles;
    }
}
