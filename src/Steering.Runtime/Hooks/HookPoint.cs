using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// A named point a model's forward pass goes through (TransformerLens's HookPoint). It keeps its own ordered list of
/// hooks, installed and removed by <see cref="HookScope"/>s. A pass may also carry its own edits (per-call steering),
/// which run first. With neither, passing through costs one branch.
/// </summary>
public sealed class HookPoint
{
    private Installed[] _hooks = Array.Empty<Installed>();

    internal HookPoint(HookPointInfo info, ModelDimensions dimensions, HookPointCollection collection)
    {
        Info = info;
        Collection = collection;
        Shape = info.ShapeIn(dimensions);
        VectorShape = info.VectorShapeIn(dimensions);
        var positionAxis = info.Dims.ToList().FindIndex(d => d is HookDims.Pos or HookDims.QueryPos);
        PositionAxis = positionAxis < 0 ? 1 : positionAxis;
    }

    /// <summary>The canonical name, e.g. <c>blocks.5.resid_post</c>.</summary>
    public string Name => Info.Name;

    /// <summary>The point's description: name and shape in named dimensions.</summary>
    public HookPointInfo Info { get; }

    /// <summary>The activation's sizes; null where they vary (batch, positions).</summary>
    public IReadOnlyList<int?> Shape { get; }

    /// <summary>The shape of a vector that can be added at each position (empty when the point takes none).</summary>
    public IReadOnlyList<int> VectorShape { get; }

    /// <summary>True while at least one hook is installed. Models skip work nobody observes (e.g. materializing the attention pattern).</summary>
    public bool IsHooked => _hooks.Length > 0;

    /// <summary>The model's points this one belongs to.</summary>
    internal HookPointCollection Collection { get; }

    /// <summary>The axis of the activation that runs over positions (query positions for an attention pattern).</summary>
    internal int PositionAxis { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Info.DimsText}";

    /// <summary>
    /// True when <paramref name="pass"/> needs this point's activation: a hook is installed or the pass's own edits
    /// touch it. Models skip work nobody observes (materializing the attention pattern).
    /// </summary>
    internal bool IsObservedIn(ForwardPass pass) => _hooks.Length > 0 || (pass.Edits?.Touches(this) ?? false);

    /// <summary>
    /// Runs the pass's own edits, then the installed hooks in installation order, each on the previous one's result.
    /// </summary>
    internal Tensor Run(Tensor activation, ForwardPass pass)
    {
        var hooks = _hooks; // copy-on-write: a hook that disposes a scope mid-pass does not disturb this loop
        if (hooks.Length == 0 && pass.Edits is null) return activation;
        if (pass.Edits is { } edits) activation = Checked(activation, edits.Run(this, activation, pass));
        return hooks.Length == 0 ? activation : RunHooks(activation, pass, hooks);
    }

    private Tensor RunHooks(Tensor activation, ForwardPass pass, Installed[] hooks)
    {
        var context = new HookContext(this, pass);
        foreach (var hook in hooks)
        {
            var replacement = hook.Function(activation, context);
            if (replacement is not null) activation = Checked(activation, replacement);
        }
        return activation;
    }

    private Tensor Checked(Tensor activation, Tensor replacement)
    {
        if (ReferenceEquals(replacement, activation)) return activation;
        ThrowIfIncompatible(activation, replacement);
        return replacement;
    }

    internal void Install(HookFunction function, HookScope owner) =>
        _hooks = _hooks.Append(new Installed(function, owner)).ToArray();

    internal void RemoveAll(HookScope owner) =>
        _hooks = _hooks.Where(h => !ReferenceEquals(h.Owner, owner)).ToArray();

    private void ThrowIfIncompatible(Tensor activation, Tensor replacement)
    {
        if (!replacement.shape.SequenceEqual(activation.shape))
            throw new SteeringException(
                $"a hook on '{Name}' returned a tensor of shape [{string.Join(", ", replacement.shape)}]; " +
                $"the activation is [{string.Join(", ", activation.shape)}] {Info.DimsText}");
        if (replacement.dtype != activation.dtype || replacement.device_type != activation.device_type || replacement.device_index != activation.device_index)
            throw new SteeringException(
                $"a hook on '{Name}' returned a {replacement.dtype} tensor on {replacement.device}; " +
                $"the activation is {activation.dtype} on {activation.device}");
    }

    private sealed record Installed(HookFunction Function, HookScope Owner);
}
