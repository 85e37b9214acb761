using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>Steering vectors by hook name (contract A): float32 CPU tensors owned by this object.</summary>
public sealed class SteeringVectors : IDisposable
{
    private readonly Dictionary<string, Tensor> _vectors;

    /// <summary>Takes ownership of <paramref name="vectors"/> (canonical hook name → vector).</summary>
    public SteeringVectors(IReadOnlyDictionary<string, Tensor> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        _vectors = vectors.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
    }

    /// <summary>The hook points there is a vector for.</summary>
    public IReadOnlyList<string> Sites => _vectors.Keys.ToList();

    /// <summary>The vector at <paramref name="hook"/>.</summary>
    /// <exception cref="SteeringException">There is none.</exception>
    public Tensor this[string hook] => _vectors.TryGetValue(hook, out var vector) ? vector
        : throw new SteeringException($"no vector for '{hook}' (there are vectors for {string.Join(", ", _vectors.Keys)})");

    /// <summary>Frees the vectors.</summary>
    public void Dispose()
    {
        foreach (var vector in _vectors.Values) vector.Dispose();
        _vectors.Clear();
    }
}
