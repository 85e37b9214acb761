using System;
using System.Collections.Generic;
using System.Linq;
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

    /// <summary>
    /// This block's key and value buffers ([batch, heads, capacity, d_head], contiguous) with room for the new positions
    /// after the Cached ones, for a kernel that writes them itself; like <see cref="Extend"/>, what it writes is kept
    /// only on <see cref="Commit"/>.
    /// </summary>
    /// <param name="layer">The block.</param>
    /// <param name="added">The new keys' shape [batch, heads, positions, d_head].</param>
    /// <param name="dtype">The keys' dtype.</param>
    /// <param name="device">The keys' device.</param>
    internal (Tensor Keys, Tensor Values, int Cached) Reserve(int layer, long[] added, ScalarType dtype, Device device)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var cached = Length;
        var total = cached + added[2];
        return (Room(_keys, _grownKeys, layer, added, dtype, device, cached, total), Room(_values, _grownValues, layer, added, dtype, device, cached, total), cached);
    }

    /// <summary>Writes <paramref name="added"/> after the <paramref name="cached"/> positions of the layer's buffer, growing it if full.</summary>
    private static Tensor Write(Tensor?[] buffers, Tensor?[] grown, int layer, Tensor added, int cached, long total)
    {
        var buffer = Room(buffers, grown, layer, added.shape, added.dtype, added.device, cached, total);
        buffer.narrow(2, cached, added.shape[2]).copy_(added);
        return buffer.narrow(2, 0, total);
    }

    /// <summary>The layer's buffer, replaced by a longer one (the cached positions copied over) when it holds fewer than <paramref name="total"/>.</summary>
    private static Tensor Room(Tensor?[] buffers, Tensor?[] grown, int layer, long[] added, ScalarType dtype, Device device, int cached, long total)
    {
        var buffer = grown[layer] ?? buffers[layer];
        if (buffer is null || buffer.shape[2] < total)
        {
            var shape = (long[])added.Clone();
            shape[2] = Math.Max(total, 2 * (buffer?.shape[2] ?? 0));
            var larger = empty(shape, dtype, device);
            if (cached > 0) larger.narrow(2, 0, cached).copy_(buffer!.narrow(2, 0, cached));
            grown[layer] = buffer = larger;
        }
        return buffer;
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

    /// <summary>
    /// Keeps only the sequences at <paramref name="rows"/> (in that order; none empties the cache), then drops leading
    /// positions that are padding in every kept sequence. Between passes only: the serving scheduler removes finished
    /// sequences this way. Each kept sequence's keys, values and token positions are unchanged, so its next pass
    /// computes what it would have computed in the old batch.
    /// </summary>
    internal void KeepRows(IReadOnlyList<long> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(rows);
        if (_isToken is null) return;
        if (rows.Count == 0)
        {
            Clear();
            return;
        }
        using var scope = NewDisposeScope();
        var index = tensor(rows.ToArray(), ScalarType.Int64, _isToken.device);
        var isToken = _isToken.index_select(0, index);
        // The first position that is a token in some kept row: everything before it is padding for all of them.
        var start = isToken.any(0).to(ScalarType.Int64).argmax().item<long>();
        var length = Length - start;
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            Replace(ref _keys[layer], Rows(_keys[layer]!, index, start, length));
            Replace(ref _values[layer], Rows(_values[layer]!, index, start, length));
        }
        Replace(ref _isToken, isToken.narrow(1, start, length).contiguous());
    }

    /// <summary>
    /// Moves the sequences of <paramref name="other"/> into this cache after its own (the batch grows by
    /// <paramref name="other"/>'s sequences; <paramref name="other"/> is left empty). The shorter side is left-padded so
    /// both end at the last position, as <see cref="TokenBatch.LeftPad"/> pads prompts: padded keys and values are zero
    /// and marked as padding, so the mask hides them and every sequence keeps its positions.
    /// </summary>
    internal void Append(KvCache other)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(other);
        other.ThrowIfDisposed();
        if (other.LayerCount != LayerCount)
            throw new ArgumentException($"a cache of {other.LayerCount} blocks cannot join one of {LayerCount}", nameof(other));
        if (ReferenceEquals(other, this)) throw new ArgumentException("a cache cannot join itself", nameof(other));
        if (other._isToken is null) return;
        if (_isToken is null)
        {
            for (var layer = 0; layer < _keys.Length; layer++)
            {
                (_keys[layer], other._keys[layer]) = (other._keys[layer], null);
                (_values[layer], other._values[layer]) = (other._values[layer], null);
            }
            (_isToken, other._isToken) = (other._isToken, null);
            return;
        }
        using var scope = NewDisposeScope();
        var length = Math.Max(Length, other.Length);
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            Replace(ref _keys[layer], Stack(_keys[layer]!, Length, other._keys[layer]!, other.Length, length));
            Replace(ref _values[layer], Stack(_values[layer]!, Length, other._values[layer]!, other.Length, length));
        }
        var isToken = zeros(new[] { BatchSize + other.BatchSize, length }, ScalarType.Bool, _isToken.device);
        isToken.narrow(0, 0, BatchSize).narrow(1, length - Length, Length).copy_(_isToken);
        isToken.narrow(0, BatchSize, other.BatchSize).narrow(1, length - other.Length, other.Length).copy_(other._isToken);
        Replace(ref _isToken, isToken);
        other.Clear();
    }

    /// <summary>
    /// The filled positions from <paramref name="start"/> of the sequences at <paramref name="index"/>, in a buffer with the
    /// same room after them as <paramref name="buffer"/> had (so the next pass need not grow it).
    /// </summary>
    private static Tensor Rows(Tensor buffer, Tensor index, long start, long length)
    {
        var shape = buffer.shape;
        shape[0] = index.shape[0];
        shape[2] = buffer.shape[2] - start;
        var kept = empty(shape, buffer.dtype, buffer.device);
        kept.narrow(2, 0, length).copy_(buffer.narrow(2, start, length).index_select(0, index));
        return kept;
    }

    /// <summary>Two buffers' filled positions, one batch after the other, each right-aligned at <paramref name="length"/>.</summary>
    private static Tensor Stack(Tensor first, long firstLength, Tensor second, long secondLength, long length)
    {
        var shape = first.shape;
        shape[0] = first.shape[0] + second.shape[0];
        shape[2] = Math.Max(length, Math.Max(first.shape[2], second.shape[2]));
        // Zeros, not empty: padded values are weighted by exactly 0, and 0 × NaN from uninitialized memory would be NaN.
        var stacked = zeros(shape, first.dtype, first.device);
        stacked.narrow(0, 0, first.shape[0]).narrow(2, length - firstLength, firstLength).copy_(first.narrow(2, 0, firstLength));
        stacked.narrow(0, first.shape[0], second.shape[0]).narrow(2, length - secondLength, secondLength).copy_(second.narrow(2, 0, secondLength));
        return stacked;
    }

    /// <summary>Frees every cached tensor; the cache is empty (and usable) again.</summary>
    private void Clear()
    {
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer]?.Dispose();
            _values[layer]?.Dispose();
            _keys[layer] = _values[layer] = null;
        }
        _isToken?.Dispose();
        _isToken = null;
    }

    /// <summary>Frees the cached tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Clear();
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
