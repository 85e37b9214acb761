using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints;
using Steering.Editing;
using Steering.Hooks;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering;

/// <summary>
/// The runtime half of a <see cref="SteerAtAttribute"/> class: one vector per site, checked against the site's shape
/// when set, applied together by <see cref="Apply"/>, built by any <see cref="VectorBuilder"/>, saved and loaded as
/// one steering-vector file (<see cref="SteeringVectors"/>) with its sidecar. Generated classes derive from it and add typed properties and factories.
/// </summary>
public abstract class SteeringVectorSet : IDisposable
{
    private readonly Tensor?[] _vectors;
    private bool _disposed;

    /// <summary>Creates an empty set for <paramref name="sites"/>, checked against <paramref name="schema"/>.</summary>
    protected SteeringVectorSet(SchemaIdentity schema, params HookPointRef[] sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        Schema = schema;
        Sites = sites;
        _vectors = new Tensor?[sites.Length];
    }

    /// <summary>The schema the class was generated from.</summary>
    public SchemaIdentity Schema { get; }

    /// <summary>The hook points this set steers, in declaration order.</summary>
    public IReadOnlyList<HookPointRef> Sites { get; }

    /// <summary>
    /// Installs every site's vector, times <paramref name="coefficient"/>, at every real position (or where
    /// <paramref name="positions"/> selects), in one scope. Dispose the scope to remove them.
    /// </summary>
    /// <exception cref="SteeringException">The model is not the schema's, or a site has no vector yet.</exception>
    public HookScope Apply(HookedTransformer model, double coefficient = 1.0, PositionSelector? positions = null)
    {
        Schema.Check(model);
        return ToSpec(coefficient, positions).Apply(model);
    }

    /// <summary>
    /// Every site's vector, times <paramref name="coefficient"/>, as a steering spec — for per-call steering
    /// (<c>GenerationOptions.Steering</c>). The spec refers to this set's vectors: keep the set undisposed while it is used.
    /// </summary>
    /// <exception cref="SteeringException">A site has no vector yet.</exception>
    public SteeringSpec ToSpec(double coefficient = 1.0, PositionSelector? positions = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var missing = Sites.Where((_, i) => _vectors[i] is null).Select(s => s.Name).ToList();
        if (missing.Count > 0)
            throw new SteeringException($"{GetType().Name} has no vector for {string.Join(", ", missing)} yet (set it, build it or load it)");
        var options = new AddOptions { Positions = positions };
        return Sites.Select((site, i) => (site, i)).Aggregate(SteeringSpec.Empty, (spec, s) => spec.Add(s.site, _vectors[s.i]!, coefficient, options));
    }

    /// <summary>The vectors as a <see cref="SteeringVectors"/> (copies, owned by the caller), made for the schema's model.</summary>
    /// <exception cref="SteeringException">A site has no vector.</exception>
    public SteeringVectors ToVectors()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SteeringVectors.Create(Sites.Select((site, i) => new KeyValuePair<string, Tensor>(site.Name,
            _vectors[i] ?? throw new SteeringException($"{GetType().Name} has no vector for {site.Name}"))), Schema);
    }

    /// <summary>Saves the vectors as one steering-vector file (a tensor per hook name, the schema's model recorded) and its sidecar.</summary>
    /// <exception cref="SteeringException">A site has no vector.</exception>
    public void Save(string path)
    {
        using var vectors = ToVectors();
        vectors.Save(path);
    }

    /// <summary>Frees the vectors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var vector in _vectors) vector?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The vector of site <paramref name="site"/>, or null while unset.</summary>
    protected Tensor? GetVector(int site)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _vectors[site];
    }

    /// <summary>Sets site <paramref name="site"/>'s vector to a checked float copy of <paramref name="value"/> (null clears it).</summary>
    /// <exception cref="SteeringException">The shape is not the site's, or the values are not finite floats.</exception>
    protected void SetVector(int site, Tensor? value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var point = Sites[site];
        var copy = value is null ? null : ActivationEdits.Check(point.Name, point.VectorShape, point.ToString(), value, "vector");
        _vectors[site]?.Dispose();
        _vectors[site] = copy;
    }

    /// <summary>Sets every site's vector with <paramref name="builder"/>, from one set of runs of <paramref name="model"/>.</summary>
    /// <exception cref="SteeringException">The model is not the schema's, or the builder fails.</exception>
    public void SetFromBuilder(HookedTransformer model, VectorBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Schema.Check(model);
        using var built = builder.Build(model, Sites.Select(s => s.In(model)).ToList());
        for (var i = 0; i < Sites.Count; i++) SetVector(i, built[Sites[i].Name]);
    }

    /// <summary>Sets every site's vector from contrastive prompt pairs: the mean difference at the last tokens (<see cref="VectorBuilders.MeanDiff"/>).</summary>
    protected void SetFromContrast(HookedTransformer model, IReadOnlyList<(string Positive, string Negative)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        SetFromBuilder(model, VectorBuilders.MeanDiff(pairs.Select(p => (ContrastPair)p).ToList()));
    }

    /// <summary>
    /// Sets site <paramref name="site"/>'s vector from a vector file: its vector for the site's hook, or its only
    /// vector (what the generated <c>LoadDefault</c> uses for each <c>[SteerAt(Vector = …)]</c> file).
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, made for another model, lacks the site's vector, or the vector does not fit.</exception>
    protected void SetFromFile(int site, string path)
    {
        using var vectors = LoadChecked(path);
        SetFromFile(site, vectors, path, single: true);
    }

    /// <summary>Sets every site's vector from a file written by <see cref="Save"/> (or a one-vector file for a one-site set).</summary>
    /// <exception cref="CheckpointException">The file is unreadable, made for another model, or lacks a site's vector.</exception>
    protected void SetFromFile(string path)
    {
        using var vectors = LoadChecked(path);
        for (var i = 0; i < Sites.Count; i++) SetFromFile(i, vectors, path, single: Sites.Count == 1);
    }

    private SteeringVectors LoadChecked(string path)
    {
        var vectors = SteeringVectors.Load(path);
        if (vectors.ModelIdentity is not { } made || made.Matches(Schema)) return vectors;
        vectors.Dispose();
        throw new CheckpointException(path, $"was made for {made.Describe()}; {GetType().Name} steers {Schema.Describe()}");
    }

    private void SetFromFile(int site, SteeringVectors vectors, string path, bool single)
    {
        var point = Sites[site];
        var vector = vectors.TryGetValue(point.Name, out var found) ? found
            : single && vectors.Count == 1 ? vectors.Single
            : throw new CheckpointException(path, $"has no vector for '{point.Name}' (it has {string.Join(", ", vectors.Sites)})");
        try
        {
            SetVector(site, vector);
        }
        catch (SteeringException e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, e.Message, e);
        }
    }
}
