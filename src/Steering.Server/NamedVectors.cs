using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Server.OpenAi;
using Steering.Vectors;

namespace Steering.Server;

/// <summary>The steering vectors a server was started with, by name; it owns them.</summary>
internal sealed class NamedVectors : IDisposable
{
    private readonly Dictionary<string, SteeringVector> _vectors;

    private NamedVectors(Dictionary<string, SteeringVector> vectors) => _vectors = vectors;

    /// <summary>Loads every file (all or none: a bad file frees the ones already loaded).</summary>
    /// <exception cref="SteeringException">A name is empty, or a file is missing or is not a vector file (the message names it).</exception>
    public static NamedVectors Load(IReadOnlyDictionary<string, string> files)
    {
        var vectors = new Dictionary<string, SteeringVector>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, path) in files)
            {
                if (string.IsNullOrWhiteSpace(name)) throw new SteeringException($"the vector {path} has no name; write NAME=FILE");
                vectors[name] = SteeringVector.Load(path);
            }
            return new NamedVectors(vectors);
        }
        catch
        {
            foreach (var vector in vectors.Values) vector.Dispose();
            throw;
        }
    }

    /// <summary>The vector called <paramref name="name"/>.</summary>
    /// <exception cref="ApiException">No vector has that name (the message lists the names there are).</exception>
    public SteeringVector this[string name] => _vectors.TryGetValue(name, out var vector)
        ? vector
        : throw new ApiException(
            $"unknown steering vector '{name}'; " + (_vectors.Count == 0
                ? "the server was started with none (steer serve --vector NAME=FILE)"
                : $"the server has {string.Join(", ", _vectors.Keys.Order(StringComparer.Ordinal).Select(n => $"'{n}'"))}"),
            "steering");

    public void Dispose()
    {
        foreach (var vector in _vectors.Values) vector.Dispose();
        _vectors.Clear();
    }
}
