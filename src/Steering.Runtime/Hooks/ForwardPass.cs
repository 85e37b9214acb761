using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// What every hook point of one forward pass shares: absolute positions, padding, the phase, the token ids, and the
/// edits that travel with this pass only (per-call steering). Built once per pass by the model; hooks see it through
/// <see cref="HookContext"/>.
/// </summary>
internal sealed class ForwardPass
{
    /// <param name="positions">[batch, pos] int64: each position's index in its own sequence (padding excluded).</param>
    /// <param name="isPadding">[batch, pos] bool: true where the token is left padding.</param>
    /// <param name="phase">Prefill or a cached decode step.</param>
    /// <param name="pastLength">How many positions the KV cache held before this pass.</param>
    /// <param name="tokenIds">[batch, pos] int64: the pass's input ids (null only for passes made without a model).</param>
    /// <param name="edits">Edits applied at the points of this pass only, before any scope's hooks; null for none.</param>
    public ForwardPass(Tensor positions, Tensor isPadding, ForwardPhase phase, int pastLength, Tensor? tokenIds = null, PassEdits? edits = null)
    {
        Positions = positions;
        IsPadding = isPadding;
        Phase = phase;
        PastLength = pastLength;
        TokenIds = tokenIds;
        Edits = edits;
    }

    public Tensor Positions { get; }

    public Tensor IsPadding { get; }

    public ForwardPhase Phase { get; }

    public int PastLength { get; }

    public Tensor? TokenIds { get; }

    public PassEdits? Edits { get; }

    /// <summary>Positions not padding, [batch, pos] bool (computed on first use).</summary>
    public Tensor IsToken => _isToken ??= IsPadding.logical_not();

    private Tensor? _isToken;

    /// <summary>
    /// The same pass restricted to the rows <paramref name="rows"/> ([n] int64), for edits that apply to some rows of a
    /// batch only. It carries no edits of its own.
    /// </summary>
    public ForwardPass Rows(Tensor rows) =>
        new(Positions.index_select(0, rows), IsPadding.index_select(0, rows), Phase, PastLength, TokenIds?.index_select(0, rows));
}
