using TorchSharp;

namespace Steering.Hooks;

/// <summary>
/// A hook on a hook point: it sees the activation passing through and where it is (see <see cref="HookContext"/>).
/// Return null to let the activation pass unchanged (a reading hook), or a tensor of the same shape to replace it.
/// Tensors a hook creates are freed with the forward pass; keep one beyond it with <c>DetachFromDisposeScope()</c>.
/// </summary>
/// <param name="activation">The activation, shaped as the hook point's schema says (e.g. <c>[batch, pos, d_model]</c>).</param>
/// <param name="context">Positions, padding and the phase of the pass that produced it.</param>
public delegate torch.Tensor? HookFunction(torch.Tensor activation, HookContext context);
