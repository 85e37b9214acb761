using System;
using System.Collections.Generic;
using System.Linq;

namespace Steering.Hooks;

/// <summary>
/// A set of installed hooks that is removed as one when disposed — exactly this scope's hooks, whatever other scopes
/// do, in whatever order scopes are disposed, and once only (disposing twice does nothing). Use it with <c>using</c> so
/// an exception removes the hooks too.
/// </summary>
/// <remarks>
/// Composition: at one hook point, hooks run in the order they were added, across scopes — so with nested scopes the
/// outer scope's hooks (added first) see the activation first and the inner scope's hooks see their result.
/// Steering edits install through this scope as well (<c>Steering.Editing</c>: <c>spec.Apply(model)</c>,
/// <c>scope.AddVector</c>, <c>scope.Ablate</c>).
/// </remarks>
public sealed class HookScope : IDisposable
{
    private readonly HookPointCollection _points;
    private readonly List<HookPoint> _hooked = new();
    private readonly List<IDisposable> _owned = new();

    internal HookScope(HookPointCollection points)
    {
        _points = points;
        points.Track(this);
    }

    /// <summary>True once the scope has been disposed and its hooks removed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The hook points this scope has hooks on.</summary>
    public IReadOnlyList<HookPoint> HookedPoints => _hooked.Distinct().ToList();

    /// <summary>The model's hook points (what targets given to this scope resolve against).</summary>
    public HookPointCollection Points => _points;

    /// <summary>Installs <paramref name="hook"/> at <paramref name="target"/> (a name, typed point or this model's point).</summary>
    /// <returns>This scope, to chain more hooks.</returns>
    /// <exception cref="SteeringException">An unknown name, a typed point of another shape, or a point of another model.</exception>
    /// <exception cref="ObjectDisposedException">The scope was disposed.</exception>
    public HookScope Add([HookName] HookTarget target, HookFunction hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var point = _points.Resolve(target);
        point.Install(hook, this);
        _hooked.Add(point);
        return this;
    }

    /// <summary>
    /// Records the activations at <paramref name="targets"/> each time the model passes them, into a new cache
    /// that outlives this scope (dispose the cache to free its tensors).
    /// </summary>
    public ActivationCache Cache([HookName] params HookTarget[] targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var points = targets.Select(_points.Resolve).ToList(); // every target checked before anything is installed
        var cache = new ActivationCache(_points);
        foreach (var point in points)
            Add(point, cache.Record);
        return cache;
    }

    /// <summary>Records the activations at the points named <paramref name="names"/> (a list of hook names; see <see cref="Cache(HookTarget[])"/>).</summary>
    public ActivationCache Cache(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return Cache(names.Select(name => (HookTarget)name).ToArray());
    }

    /// <summary>
    /// Hands <paramref name="resource"/> to this scope, which disposes it with its hooks (e.g. a tensor a hook uses).
    /// </summary>
    /// <returns>The resource.</returns>
    /// <exception cref="ObjectDisposedException">The scope was disposed.</exception>
    public T Own<T>(T resource) where T : IDisposable
    {
        ArgumentNullException.ThrowIfNull(resource);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _owned.Add(resource);
        return resource;
    }

    /// <summary>Removes this scope's hooks and disposes what it owns. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var point in _hooked.Distinct())
            point.RemoveAll(this);
        _hooked.Clear();
        foreach (var resource in _owned) resource.Dispose();
        _owned.Clear();
        _points.Untrack(this);
    }
}
