using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Steering.Checkpoints;
using Steering.Editing;
using Steering.Hooks;
using Steering.Schema;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering;

/// <summary>
/// The runtime half of a <see cref="SteerAtAttribute"/> class: one vector per site, checked against the site's shape
/// when set, applied together by <see cref="Apply"/>, saved and loaded as one safetensors file (a tensor per hook
/// name) with its sidecar. Generated classes derive from it and add typed properties and factories.
/// </summary>
public abstract class SteeringVectorSet : IDisposable
{
    private const string SchemaMetadataKey = "steering.schema";
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

    /// <summary>Saves the vectors as one safetensors file (a tensor per hook name) and its sidecar.</summary>
    /// <exception cref="SteeringException">A site has no vector.</exception>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensors = Sites.Select((site, i) => new KeyValuePair<string, Tensor>(site.Name,
            _vectors[i] ?? throw new SteeringException($"{GetType().Name} has no vector for {site.Name} to save"))).ToList();
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { [SchemaMetadataKey] = Schema.Name });
        File.WriteAllText(VectorSidecar.PathFor(path),
            VectorSidecar.Write(Schema.Name, Sites.Select(s => new KeyValuePair<string, IReadOnlyList<int>>(s.Name, s.VectorShape))),
            new UTF8Encoding(false));
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

    /// <summary>Sets every site's vector from contrastive prompt pairs (see <see cref="ContrastVectors"/>).</summary>
    protected void SetFromContrast(HookedTransformer model, IReadOnlyList<(string Positive, string Negative)> pairs)
    {
        Schema.Check(model);
        var vectors = ContrastVectors.Compute(model, Sites.Select(s => s.Name).ToList(), pairs);
        try
        {
            for (var i = 0; i < Sites.Count; i++) SetVector(i, vectors[Sites[i].Name]);
        }
        finally
        {
            foreach (var vector in vectors.Values) vector.Dispose();
        }
    }

    /// <summary>
    /// Sets site <paramref name="site"/>'s vector from a safetensors file: its tensor named by the site's hook, or its only
    /// tensor (what the generated <c>LoadDefault</c> uses for each <c>[SteerAt(Vector = …)]</c> file).
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, lacks the site's tensor, or the tensor does not fit.</exception>
    protected void SetFromFile(int site, string path)
    {
        var point = Sites[site];
        using var file = SafetensorsFile.Open(path);
        using var scope = NewDisposeScope();
        var name = file.Contains(point.Name) ? point.Name
            : file.Entries.Count == 1 ? file.Entries[0].Name
            : throw new CheckpointException(path, $"has no tensor '{point.Name}' (it has {string.Join(", ", file.Entries.Select(e => e.Name))})");
        try
        {
            SetVector(site, file.Load(name, ScalarType.Float32));
        }
        catch (SteeringException e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, e.Message, e);
        }
    }

    /// <summary>Sets every site's vector from a file written by <see cref="Save"/> (or a one-tensor file for a one-site set).</summary>
    /// <exception cref="CheckpointException">The file is unreadable, or lacks a site's tensor.</exception>
    protected void SetFromFile(string path)
    {
        using var file = SafetensorsFile.Open(path);
        using var scope = NewDisposeScope();
        for (var i = 0; i < Sites.Count; i++)
        {
            var name = file.Contains(Sites[i].Name) ? Sites[i].Name
                : Sites.Count == 1 && file.Entries.Count == 1 ? file.Entries[0].Name
                : throw new CheckpointException(path, $"has no tensor '{Sites[i].Name}' (it has {string.Join(", ", file.Entries.Select(e => e.Name))})");
            try
            {
                SetVector(i, file.Load(name, ScalarType.Float32));
            }
            catch (SteeringException e) when (e is not CheckpointException)
            {
                throw new CheckpointException(path, e.Message, e);
            }
        }
    }
}
