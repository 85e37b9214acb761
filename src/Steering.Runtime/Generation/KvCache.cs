using System;
using static TorchSharp.torch;

namespace Steering.Generation;

/// <summary>
/// Keys and values of the positions a model has already seen, per block, so a decode step computes one new position
/// instead of the whole sequence. Also remembers which cached positions are padding, so masks and absolute positions
/// stay right across steps. A pass that fails leaves the cache as it was. Dispose it to free its tensors.
/// </summary>
/// <remarks>
/// Each block's keys and values live in a buffer with room for more positions than are cached: a pass writes its new
/// positions in place after the cached ones and attends to a view of the filled part, instead of concatenating (which
/// copies the whole cache every step). When a buffer is full it is replaced by one twice as long (geometric growth:
/// copying stays linear in the sequence length). Writes past <see cref="Length"/> are invisible until
/// <see cref="Commit"/>, so a failed pass leaves the cache as it was: <see cref="Discard"/> drops a buffer it had to
/// grow, and the next pass overwrites whatever it wrote.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly Tensor?[] _grownKeys;
    private readonly Tensor?[] _grownValues;
    private Tensor? _isToken;
    private bool _disposed;

    /// <summary>Creates an empty cache for a model with <paramref name="layerCount"/> blocks.</summary>
    public KvCache(int layerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layerCount);
        _keys = new Tensor?[layerCount];
        _values = new Tensor?[layerCount];
        _grownKeys = new Tensor?[layerCount];
        _grownValues = new Tensor?[layerCount];
    }

    /// <summary>Number of blocks the cache serves.</summary>
    public int LayerCount => _keys.Length;

    /// <summary>Number of cached positions (padding included).</summary>
    public int Length => _isToken is null ? 0 : (int)_isToken.shape[1];

    /// <summary>Number of sequences cached; 0 while empty.</summary>
    public long BatchSize => _isToken?.shape[0] ?? 0;

    /// <summary>[batch, Length] bool: which cached positions are real tokens (null while empty).</summary>
    internal Tensor? IsToken => _isToken;

    /// <summary>
    /// This block's cached keys/values followed by the new ones ([batch, heads, pos, d_head]; views of the cache's
    /// buffers, valid until the next pass); kept only on <see cref="Commit"/>.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Extend(int layer, Tensor keys, Tensor values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var cached = Length;
        var total = cached + keys.shape[2];
        return (Write(_keys, _grownKeys, layer, keys, cached, total), Write(_values, _grownValues, layer, values, cached, total));
    }

    /// <summary>Writes <paramref name="added"/> after the <paramref name="cached"/> positions of the layer's buffer, growing it if full.</summary>
    private static Tensor Write(Tensor?[] buffers, Tensor?[] grown, int layer, Tensor added, int cached, long total)
    {
        var buffer = buffers[layer];
        if (buffer is null || buffer.shape[2] < total)
        {
            var shape = added.shape;
            shape[2] = Math.Max(total, 2 * (buffer?.shape[2] ?? 0));
            var larger = empty(shape, added.dtype, added.device);
            if (cached > 0) larger.narrow(2, 0, cached).copy_(buffer!.narrow(2, 0, cached));
            grown[layer] = buffer = larger;
        }
        buffer.narrow(2, cached, added.shape[2]).copy_(added);
        return buffer.narrow(2, 0, total);
    }

    /// <summary>Keeps what the pass just added; <paramref name="isToken"/> is [batch, Length + new] for all positions now cached.</summary>
    internal void Commit(Tensor isToken)
    {
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            Replace(ref _keys[layer], _grownKeys[layer]);
            Replace(ref _values[layer], _grownValues[layer]);
            _grownKeys[layer] = _grownValues[layer] = null;
        }
        Replace(ref _isToken, isToken);
    }

    /// <summary>Forgets what a failed pass added (buffers it grew belong to the pass's dispose scope).</summary>
    internal void Discard()
    {
        Array.Clear(_grownKeys);
        Array.Clear(_grownValues);
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
