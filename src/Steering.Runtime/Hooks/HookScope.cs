using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// A set of installed hooks that is removed as one when disposed — exactly this scope's hooks, whatever other scopes
/// do, in whatever order scopes are disposed, and once only (disposing twice does nothing). Use it with <c>using</c> so
/// an exception removes the hooks too.
/// </summary>
/// <remarks>
/// Composition: at one hook point, hooks run in the order they were added, across scopes — so with nested scopes the
/// outer scope's hooks (added first) see the activation first and the inner scope's hooks see their result.
/// </remarks>
public sealed class HookScope : IDisposable
{
    private readonly HookPointCollection _points;
    private readonly List<HookPoint> _hooked = new();
    private readonly List<IDisposable> _owned = new();

    internal HookScope(HookPointCollection points) => _points = points;

    /// <summary>True once the scope has been disposed and its hooks removed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The hook points this scope has hooks on.</summary>
    public IReadOnlyList<HookPoint> HookedPoints => _hooked.Distinct().ToList();

    /// <summary>Installs <paramref name="hook"/> at the point named <paramref name="hookName"/>.</summary>
    /// <returns>This scope, to chain more hooks.</returns>
    /// <exception cref="UnknownHookPointException">The model has no such hook point.</exception>
    /// <exception cref="ObjectDisposedException">The scope was disposed.</exception>
    public HookScope Add([HookName] string hookName, HookFunction hook) => Add(_points[hookName], hook);

    /// <summary>Installs <paramref name="hook"/> at a typed hook point (as the source generator emits them).</summary>
    /// <returns>This scope, to chain more hooks.</returns>
    public HookScope Add(HookPointRef point, HookFunction hook)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Add(point.Name, hook);
    }

    /// <summary>Installs <paramref name="hook"/> at <paramref name="point"/>.</summary>
    /// <returns>This scope, to chain more hooks.</returns>
    /// <exception cref="ArgumentException">The point belongs to another model.</exception>
    /// <exception cref="ObjectDisposedException">The scope was disposed.</exception>
    public HookScope Add(HookPoint point, HookFunction hook)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(hook);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!_points.TryGet(point.Name, out var own) || !ReferenceEquals(own, point))
            throw new ArgumentException($"the hook point '{point.Name}' belongs to another model than this scope's.", nameof(point));
        point.Install(hook, this);
        _hooked.Add(point);
        return this;
    }

    /// <summary>
    /// Adds <paramref name="coefficient"/> × <paramref name="vector"/> at <paramref name="hookName"/>, at every real
    /// position or where <paramref name="positions"/> selects (see <see cref="Vectors.ActivationEdits.Add"/>).
    /// </summary>
    /// <exception cref="SteeringException">The vector does not fit the point (shape, dtype, NaN).</exception>
    public HookScope AddVector([HookName] string hookName, Tensor vector, double coefficient = 1.0, Func<HookContext, Tensor>? positions = null)
    {
        var point = _points[hookName];
        var owned = Own(Vectors.ActivationEdits.Check(point, vector, "vector"));
        return Add(point, Vectors.ActivationEdits.AddOwned(owned, point, coefficient, positions));
    }

    /// <summary>Projects <paramref name="direction"/> out of the activation at <paramref name="hookName"/> at every position.</summary>
    /// <exception cref="SteeringException">The direction does not fit the point, or is zero.</exception>
    public HookScope Ablate([HookName] string hookName, Tensor direction)
    {
        var point = _points[hookName];
        var owned = Own(Vectors.ActivationEdits.Check(point, direction, "direction"));
        return Add(point, Vectors.ActivationEdits.AblateOwned(owned, point));
    }

    /// <summary>
    /// Records the activations at <paramref name="hookNames"/> each time the model passes them, into a new cache
    /// that outlives this scope (dispose the cache to free its tensors).
    /// </summary>
    public ActivationCache Cache([HookName] params string[] hookNames)
    {
        ArgumentNullException.ThrowIfNull(hookNames);
        var points = hookNames.Select(name => _points[name]).ToList(); // every name checked before anything is installed
        var cache = new ActivationCache(_points);
        foreach (var point in points)
            Add(point, cache.Record);
        return cache;
    }

    /// <summary>Removes this scope's hooks. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var point in _hooked.Distinct())
            point.RemoveAll(this);
        _hooked.Clear();
        foreach (var resource in _owned) resource.Dispose();
        _owned.Clear();
    }

    private Tensor Own(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _owned.Add(tensor);
        return tensor;
    }
}
