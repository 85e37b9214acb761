using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// Edits that travel with one forward pass instead of living on the model's hook points: how per-call steering reaches
/// the points without two concurrent calls seeing each other's edits. The hook mechanism only asks it two things; what
/// the edits are is the editing layer's business (Steering.Editing implements it).
/// </summary>
internal abstract class PassEdits
{
    /// <summary>True when this pass edits or reads <paramref name="point"/> (so the model must materialize it).</summary>
    public abstract bool Touches(HookPoint point);

    /// <summary>Applies this pass's edits at <paramref name="point"/> and returns the (possibly new) activation.</summary>
    public abstract Tensor Run(HookPoint point, Tensor activation, ForwardPass pass);
}
