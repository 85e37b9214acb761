using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// What every hook point of one forward pass shares: absolute positions, padding and the phase.
/// Built once per pass by the model; hooks see it through <see cref="HookContext"/>.
/// </summary>
internal sealed class ForwardPass
{
    /// <param name="positions">[batch, pos] int64: each position's index in its own sequence (padding excluded).</param>
    /// <param name="isPadding">[batch, pos] bool: true where the token is left padding.</param>
    /// <param name="phase">Prefill or a cached decode step.</param>
    /// <param name="pastLength">How many positions the KV cache held before this pass.</param>
    public ForwardPass(Tensor positions, Tensor isPadding, ForwardPhase phase, int pastLength)
    {
        Positions = positions;
        IsPadding = isPadding;
        Phase = phase;
        PastLength = pastLength;
    }

    public Tensor Positions { get; }

    public Tensor IsPadding { get; }

    public ForwardPhase Phase { get; }

    public int PastLength { get; }

    /// <summary>Positions not padding, [batch, pos] bool (computed on first use).</summary>
    public Tensor IsToken => _isToken ??= IsPadding.logical_not();

    private Tensor? _isToken;
}
