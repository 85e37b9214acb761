using System.Linq;
using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// Where an activation is: which hook point, each position's absolute index in its sequence, which positions are padding,
/// and whether the pass is a prompt prefill or a KV-cached decode step. With it, an edit aimed at "the first two
/// positions" or "generated tokens only" stays right under cached decoding, where a step sees one position whose
/// absolute index is the sequence length so far — not 0.
/// </summary>
public readonly struct HookContext
{
    private readonly ForwardPass _pass;

    internal HookContext(HookPoint point, ForwardPass pass)
    {
        Point = point;
        _pass = pass;
    }

    /// <summary>The hook point the activation passes through.</summary>
    public HookPoint Point { get; }

    /// <summary>The hook point's canonical name.</summary>
    public string Name => Point.Name;

    /// <summary>[batch, pos] int64: each position's index within its own sequence, padding not counted.</summary>
    public Tensor Positions => _pass.Positions;

    /// <summary>[batch, pos] bool: true where the position is left padding of a batched prompt.</summary>
    public Tensor IsPadding => _pass.IsPadding;

    /// <summary>Prefill (whole prompts) or Decode (one new position per sequence, with a KV cache).</summary>
    public ForwardPhase Phase => _pass.Phase;

    /// <summary>How many positions were already in the KV cache before this pass (0 for a prefill).</summary>
    public int PastLength => _pass.PastLength;

    /// <summary>[batch, pos] int64: the token id at each position (the padding id at padding).</summary>
    /// <exception cref="SteeringException">The pass was not made by a model (no ids).</exception>
    public Tensor TokenIds => _pass.TokenIds ?? throw new SteeringException($"the pass through '{Name}' carries no token ids");

    /// <summary>The pass itself: what per-pass edits key their state on.</summary>
    internal ForwardPass Pass => _pass;

    /// <summary>
    /// Reshapes a [batch, pos] tensor so it broadcasts against this point's activation — [batch, pos, 1] for
    /// <c>[batch, pos, d_model]</c>, [batch, 1, q_pos, 1] for an attention pattern — e.g. to mask an edit.
    /// </summary>
    public Tensor PerPosition(Tensor perPosition)
    {
        var rank = Point.Info.Dims.Count;
        var shape = Enumerable.Repeat(1L, rank).ToArray();
        shape[0] = perPosition.shape[0];
        shape[Point.PositionAxis] = perPosition.shape[1];
        return perPosition.view(shape);
    }

    /// <summary>1 at real tokens and 0 at padding, broadcastable against the activation, in its dtype.</summary>
    public Tensor TokenMask(ScalarType dtype) => PerPosition(_pass.IsToken).to_type(dtype);

    /// <summary>
    /// 1 where <paramref name="selected"/> ([batch, pos] bool, e.g. <c>ctx.Positions &lt; 2</c>) holds at a real token,
    /// else 0; broadcastable against the activation, in its dtype.
    /// </summary>
    public Tensor Where(Tensor selected, ScalarType dtype) => PerPosition(selected.logical_and(_pass.IsToken)).to_type(dtype);
}
