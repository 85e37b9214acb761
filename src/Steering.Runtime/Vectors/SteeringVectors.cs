using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using Steering.Checkpoints;
using Steering.Hooks;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// Steering vectors for one or more hook points of one model — the one vector file of Steering: a safetensors file
/// with one float32 tensor per site, named by the canonical hook name (<c>blocks.5.resid_post</c>), and the model it
/// was made for in the header metadata (see <see cref="SteeringVectorFile"/>). A one-site vector is the same file with
/// one tensor. Tensors are float32 on the CPU, owned by this object (do not dispose them; dispose the set).
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "The name the helpers' contract fixes: a set of steering vectors, one per site.")]
public sealed class SteeringVectors : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    /// <summary>The site name of a legacy one-tensor file that recorded no hook point.</summary>
    public const string UnplacedSite = SteeringVectorFile.LegacyTensorName;

    private readonly Dictionary<string, Tensor> _vectors;
    private readonly string[] _sites;
    private bool _disposed;

    private SteeringVectors(List<KeyValuePair<string, Tensor>> owned, SchemaIdentity? model, string? method,
        IReadOnlyDictionary<string, string> metadata, string? source)
    {
        _sites = owned.Select(v => v.Key).ToArray();
        _vectors = owned.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        ModelIdentity = model;
        Method = method;
        Metadata = metadata;
        Source = source;
    }

    /// <summary>The hook points (canonical names), in the order they were given or stored.</summary>
    public IReadOnlyList<string> Sites => _sites;

    /// <summary>The model the vectors were made for (name, architecture, sizes); null when the file does not say.</summary>
    public SchemaIdentity? ModelIdentity { get; }

    /// <summary>How the vectors were made (<c>diff</c>, <c>mean-diff</c>, <c>pca</c>, <c>probe</c>, <c>gradient</c>, <c>sae</c>, …), when recorded.</summary>
    public string? Method { get; }

    /// <summary>Other <c>steering.*</c> metadata (free-form, e.g. <c>steering.pairs</c>), by full key.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The file these vectors were loaded from, when they were (used in error messages).</summary>
    public string? Source { get; }

    /// <summary>The vector of the only site.</summary>
    /// <exception cref="SteeringException">There are several sites (the message lists them).</exception>
    public Tensor Single => _sites.Length == 1 ? this[_sites[0]]
        : throw new SteeringException($"{Describe()} holds vectors for {_sites.Length} hook points ({string.Join(", ", _sites)}); name one");

    /// <summary>The vector at <paramref name="hook"/> (canonical name or TransformerLens alias).</summary>
    /// <exception cref="SteeringException">There is no vector for that hook point (the message lists the sites).</exception>
    public Tensor this[[HookName] string hook] => TryGetValue(hook, out var vector) ? vector
        : throw new SteeringException($"{Describe()} has no vector for '{hook}'; it has {string.Join(", ", _sites)}");

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _sites;

    /// <inheritdoc/>
    public IEnumerable<Tensor> Values => _sites.Select(s => _vectors[s]);

    /// <inheritdoc/>
    public int Count => _sites.Length;

    /// <inheritdoc/>
    public bool ContainsKey([HookName] string key) => TryGetValue(key, out _);

    /// <inheritdoc/>
    public bool TryGetValue([HookName] string key, [MaybeNullWhen(false)] out Tensor value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(key);
        return _vectors.TryGetValue(HookNames.Canonicalize(key), out value);
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
        _sites.Select(s => new KeyValuePair<string, Tensor>(s, _vectors[s])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Vectors from tensors by hook name (canonical or alias), copied as float32 CPU tensors. Nothing is checked against
    /// a model; <see cref="Create(HookedTransformer, IEnumerable{KeyValuePair{string, Tensor}}, string?, IReadOnlyDictionary{string, string}?)"/>
    /// does, and records the model.
    /// </summary>
    /// <param name="vectors">Hook name and vector pairs; at least one, names unique.</param>
    /// <param name="model">The model the vectors were made for, when known.</param>
    /// <param name="method">How they were made (recorded as <c>steering.method</c>).</param>
    /// <param name="metadata">More <c>steering.*</c> metadata to keep and save.</param>
    /// <exception cref="SteeringException">No vectors, a name twice, or a vector that is empty, not floating point, or holds NaN or infinity.</exception>
    public static SteeringVectors Create(IEnumerable<KeyValuePair<string, Tensor>> vectors, SchemaIdentity? model = null,
        string? method = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return Own(vectors.Select(v => (HookNames.Canonicalize(v.Key), v.Value)), model, method, metadata, source: null);
    }

    /// <summary>
    /// Vectors made for <paramref name="model"/>: each hook name resolved to the model's point and each vector checked
    /// against the point's vector shape, the model's identity recorded.
    /// </summary>
    /// <exception cref="SteeringException">An unknown hook point, a vector that does not fit its point, or any problem <see cref="Create(IEnumerable{KeyValuePair{string, Tensor}}, SchemaIdentity?, string?, IReadOnlyDictionary{string, string}?)"/> names.</exception>
    public static SteeringVectors Create(HookedTransformer model, IEnumerable<KeyValuePair<string, Tensor>> vectors,
        string? method = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vectors);
        return CheckedFor(model, Own(vectors.Select(v => (model.Hooks[v.Key].Name, v.Value)), SchemaIdentity.Of(model), method, metadata, source: null));
    }

    /// <summary>
    /// Reads a vector file: this format (a tensor per hook name, the model in the metadata), or the older ones — a single
    /// tensor <c>vector</c> with <c>steering.hook</c>, or per-hook tensors with <c>steering.schema</c>.
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, holds no tensor, or a tensor is not a finite float vector; the message names the file.</exception>
    public static SteeringVectors Load(string path) => SteeringVectorFile.Read(path);

    /// <summary>Reads a vector file and checks it against <paramref name="model"/> (see <see cref="Check"/>).</summary>
    /// <exception cref="SteeringException">The file is unreadable, or made for another model, or a vector does not fit its point.</exception>
    public static SteeringVectors Load(string path, HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return CheckedFor(model, Load(path));
    }

    /// <summary><paramref name="set"/> once checked against <paramref name="model"/>; disposed when it does not fit.</summary>
    private static SteeringVectors CheckedFor(HookedTransformer model, SteeringVectors set)
    {
        try
        {
            set.Check(model);
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the vectors (atomically: a reader sees the old file or the whole new one) with the model and method in the
    /// metadata, and the sidecar <c>FILE.json</c> that lets the compiler check a <c>[SteerAt(Vector = ...)]</c> site.
    /// </summary>
    /// <remarks>A vector that records no hook point (<see cref="UnplacedSite"/>) is written as the legacy tensor <c>vector</c>, without a sidecar.</remarks>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SteeringVectorFile.Write(path, this);
    }

    /// <summary>
    /// Throws unless the vectors fit <paramref name="model"/>: made for a model of its architecture and sizes (when
    /// recorded), every site one of its hook points, every vector of the point's vector shape.
    /// </summary>
    /// <exception cref="SteeringException">Another model (the message names both), an unknown site, or a vector of the wrong shape.</exception>
    public void Check(HookedTransformer model) => _ = For(model);

    /// <summary>Each site's hook point in <paramref name="model"/> and its vector (owned by this set), checked as <see cref="Check"/> does.</summary>
    /// <exception cref="SteeringException">As <see cref="Check"/>.</exception>
    public IReadOnlyList<(HookPoint Point, Tensor Vector)> For(HookedTransformer model)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(model);
        CheckModel(SchemaIdentity.Of(model));
        var resolved = new List<(HookPoint, Tensor)>();
        foreach (var site in _sites)
        {
            if (site == UnplacedSite)
                throw new SteeringException($"{Describe()} records no hook point for its vector; name the hook point it is for");
            var point = model.Hooks[site];
            var vector = _vectors[site];
            if (point.VectorShape.Count == 0)
                throw new SteeringException($"{Describe()}: '{point.Name}' {point.Info.DimsText} is not per-position; it takes no vector");
            if (!vector.shape.SequenceEqual(point.VectorShape.Select(s => (long)s)))
                throw new SteeringException(
                    $"{Describe()}: the vector for '{point.Name}' has shape [{string.Join(", ", vector.shape)}]; the point needs [{string.Join(", ", point.VectorShape)}]");
            resolved.Add((point, vector));
        }
        return resolved;
    }

    /// <summary>Throws when the vectors record the model they were made for and <paramref name="model"/> is another (architecture or sizes).</summary>
    /// <exception cref="SteeringException">Another model; the message names both.</exception>
    public void CheckModel(SchemaIdentity model)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(model);
        if (ModelIdentity is { } made && !made.Matches(model))
            throw new SteeringException($"{Describe()} was made for {made.Describe()}; the model is {model.Describe()}");
    }

    /// <summary>A new set with copies of the vectors at <paramref name="hooks"/> (the same model and method): one site of a file is a one-site vector.</summary>
    /// <exception cref="SteeringException">A hook point has no vector here.</exception>
    public SteeringVectors Subset([HookName] params string[] hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        return Own(hooks.Select(h => (HookNames.Canonicalize(h), this[h])), ModelIdentity, Method, Metadata, Source);
    }

    /// <summary>A new set with copies of these vectors, each multiplied by <paramref name="factor"/> (e.g. −1 to flip them).</summary>
    public SteeringVectors Scale(double factor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        return Own(_sites.Select(s => (s, _vectors[s] * factor)), ModelIdentity, Method, Metadata, Source);
    }

    /// <summary>Frees the vectors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var vector in _vectors.Values) vector.Dispose();
    }

    /// <summary>The sites and shapes, e.g. <c>blocks.2.resid_pre [96], blocks.3.resid_pre [96]</c>.</summary>
    public override string ToString() =>
        string.Join(", ", _sites.Select(s => $"{s} [{string.Join(", ", _vectors[s].shape)}]"));

    /// <summary>Checked float32 CPU copies of <paramref name="vectors"/>, owned by the new set.</summary>
    internal static SteeringVectors Own(IEnumerable<(string Site, Tensor Vector)> vectors, SchemaIdentity? model, string? method,
        IReadOnlyDictionary<string, string>? metadata, string? source)
    {
        var owned = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (site, vector) in vectors)
            {
                if (owned.Any(o => o.Key == site)) throw new SteeringException($"two vectors are given for '{site}'");
                owned.Add(new(site, CheckedCopy(site, vector)));
            }
            if (owned.Count == 0) throw new SteeringException("a set of steering vectors needs at least one vector");
            return new SteeringVectors(owned, model, method, metadata ?? new Dictionary<string, string>(), source);
        }
        catch
        {
            foreach (var vector in owned) vector.Value.Dispose();
            throw;
        }
    }

    private static Tensor CheckedCopy(string site, Tensor vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (!vector.is_floating_point()) throw new SteeringException($"the vector for '{site}' is {vector.dtype}; a steering vector must be floating point");
        if (vector.numel() == 0) throw new SteeringException($"the vector for '{site}' is empty");
        using var scope = NewDisposeScope();
        var copy = vector.detach().to(ScalarType.Float32).cpu().clone();
        if (!copy.isfinite().all().item<bool>()) throw new SteeringException($"the vector for '{site}' holds NaN or infinity");
        return copy.DetachFromDisposeScope();
    }

    private string Describe() => Source is null ? "the steering vectors" : Source;
}
