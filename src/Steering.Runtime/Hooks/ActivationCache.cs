using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Hooks;

/// <summary>
/// Activations recorded by hook name (TransformerLens's ActivationCache). Each entry holds the activation of the most
/// recent pass through its point, as a detached copy owned by the cache: it stays valid after the forward pass and
/// after the scope that recorded it, and is freed when the cache is disposed.
/// </summary>
public sealed class ActivationCache : IDisposable
{
    private readonly HookPointCollection _points;
    private readonly Dictionary<string, Tensor> _activations = new(StringComparer.Ordinal);
    private bool _disposed;

    internal ActivationCache(HookPointCollection points) => _points = points;

    /// <summary>The names recorded so far.</summary>
    public IReadOnlyCollection<string> Names => _activations.Keys;

    /// <summary>The activation recorded at <paramref name="hookName"/> (canonical name or alias).</summary>
    /// <exception cref="SteeringException">Nothing was recorded there (the message says what was).</exception>
    public Tensor this[[HookName] string hookName]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var point = _points[hookName];
            if (_activations.TryGetValue(point.Name, out var activation)) return activation;
            throw new SteeringException(_activations.Count == 0
                ? $"nothing was recorded at '{point.Name}': the cache is empty (run the model while the scope is active)"
                : $"nothing was recorded at '{point.Name}'; recorded: {string.Join(", ", _activations.Keys.Order(StringComparer.Ordinal))}");
        }
    }

    /// <summary>True when an activation was recorded at <paramref name="hookName"/>.</summary>
    public bool Contains([HookName] string hookName) =>
        _points.TryGet(hookName, out var point) && _activations.ContainsKey(point.Name);

    /// <summary>Frees every recorded tensor.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var activation in _activations.Values) activation.Dispose();
        _activations.Clear();
    }

    internal Tensor? Record(Tensor activation, HookContext context)
    {
        if (_disposed) return null;
        var copy = activation.detach().clone().DetachFromDisposeScope();
        if (_activations.Remove(context.Name, out var previous)) previous.Dispose();
        _activations[context.Name] = copy;
        return null;
    }

    /// <summary>The recorded names, in the model's forward order.</summary>
    public override string ToString() =>
        string.Join(", ", _points.Where(p => _activations.ContainsKey(p.Name)).Select(p => p.Name));
}
