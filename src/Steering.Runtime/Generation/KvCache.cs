using System;
using static TorchSharp.torch;

namespace Steering.Generation;

/// <summary>
/// Keys and values of the positions a model has already seen, per block, so a decode step computes one new position
/// instead of the whole sequence. Also remembers which cached positions are padding, so masks and absolute positions
/// stay right across steps. A pass that fails leaves the cache as it was. Dispose it to free its tensors.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly Tensor?[] _pendingKeys;
    private readonly Tensor?[] _pendingValues;
    private Tensor? _isToken;
    private bool _disposed;

    /// <summary>Creates an empty cache for a model with <paramref name="layerCount"/> blocks.</summary>
    public KvCache(int layerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layerCount);
        _keys = new Tensor?[layerCount];
        _values = new Tensor?[layerCount];
        _pendingKeys = new Tensor?[layerCount];
        _pendingValues = new Tensor?[layerCount];
    }

    /// <summary>Number of blocks the cache serves.</summary>
    public int LayerCount => _keys.Length;

    /// <summary>Number of cached positions (padding included).</summary>
    public int Length => _isToken is null ? 0 : (int)_isToken.shape[1];

    /// <summary>Number of sequences cached; 0 while empty.</summary>
    public long BatchSize => _isToken?.shape[0] ?? 0;

    /// <summary>[batch, Length] bool: which cached positions are real tokens (null while empty).</summary>
    internal Tensor? IsToken => _isToken;

    /// <summary>Joins this block's cached keys/values with the new ones ([batch, heads, pos, d_head]); kept only on <see cref="Commit"/>.</summary>
    internal (Tensor Keys, Tensor Values) Extend(int layer, Tensor keys, Tensor values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var past = _keys[layer];
        var allKeys = past is null ? keys : cat(new[] { past, keys }, 2);
        var allValues = past is null ? values : cat(new[] { _values[layer]!, values }, 2);
        _pendingKeys[layer] = allKeys;
        _pendingValues[layer] = allValues;
        return (allKeys, allValues);
    }

    /// <summary>Keeps what the pass just added; <paramref name="isToken"/> is [batch, Length + new] for all positions now cached.</summary>
    internal void Commit(Tensor isToken)
    {
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            Replace(ref _keys[layer], _pendingKeys[layer]);
            Replace(ref _values[layer], _pendingValues[layer]);
            _pendingKeys[layer] = _pendingValues[layer] = null;
        }
        Replace(ref _isToken, isToken);
    }

    /// <summary>Forgets what a failed pass added (its tensors belong to the pass's dispose scope).</summary>
    internal void Discard()
    {
        Array.Clear(_pendingKeys);
        Array.Clear(_pendingValues);
    }

    /// <summary>Frees the cached tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer]?.Dispose();
            _values[layer]?.Dispose();
        }
        _isToken?.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static void Replace(ref Tensor? slot, Tensor? next)
    {
        if (next is null || ReferenceEquals(slot, next)) return;
        var previous = slot;
        slot = next.DetachFromDisposeScope();
        previous?.Dispose();
    }
}
