using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Editing;
using Steering.Hooks;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering;

/// <summary>
/// The runtime half of a <see cref="SteerAtAttribute"/> class: one vector per site, checked against the site's shape
/// when set, applied together by <see cref="Apply"/> with each site's settings, saved and loaded as one safetensors file
/// (a tensor per hook name) with its sidecar. A class may steer several models (one schema per site): the model it is
/// given picks its sites by identity. Generated classes derive from it and add typed properties and factories.
/// </summary>
public abstract class SteeringVectorSet : IDisposable
{
    private readonly Tensor?[] _vectors;
    private bool _disposed;

    /// <summary>Creates an empty set for <paramref name="sites"/>.</summary>
    protected SteeringVectorSet(params SteeringSite[] sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        Sites = sites;
        Schemas = sites.Select(s => s.Schema).Distinct().ToList();
        _vectors = new Tensor?[sites.Length];
    }

    /// <summary>The schemas the class was checked against, in the order its sites name them.</summary>
    public IReadOnlyList<SchemaIdentity> Schemas { get; }

    /// <summary>Every site, in declaration order.</summary>
    public IReadOnlyList<SteeringSite> Sites { get; }

    /// <summary>The sites for <paramref name="model"/>: those checked against the schema it matches.</summary>
    /// <exception cref="SteeringException">The model matches none of the class's schemas (the message names them all).</exception>
    public IReadOnlyList<SteeringSite> SitesFor(HookedTransformer model) => SiteIndicesFor(model).Select(i => Sites[i]).ToList();

    /// <summary>
    /// Installs the model's sites' vectors, each times its own coefficient and <paramref name="coefficient"/>, at the
    /// positions and with the normalization the site declares, in one scope. Dispose the scope to remove them.
    /// </summary>
    /// <exception cref="SteeringException">The model matches none of the schemas, or one of its sites has no vector yet.</exception>
    public HookScope Apply(HookedTransformer model, double coefficient = 1.0) => ToSpec(model, coefficient).Apply(model);

    /// <summary>
    /// The model's sites' vectors, each times its own coefficient and <paramref name="coefficient"/>, with each site's
    /// positions and normalization, as a steering spec — for per-call steering (<c>GenerationOptions.Steering</c>). The
    /// spec refers to this set's vectors: keep the set undisposed while it is used.
    /// </summary>
    /// <exception cref="SteeringException">The model matches none of the schemas, or one of its sites has no vector yet.</exception>
    public SteeringSpec ToSpec(HookedTransformer model, double coefficient = 1.0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var indices = SiteIndicesFor(model);
        var missing = indices.Where(i => _vectors[i] is null).Select(i => Sites[i].Point.Name).ToList();
        if (missing.Count > 0)
            throw new SteeringException($"{GetType().Name} has no vector for {string.Join(", ", missing)} yet (set it, build it or load it)");
        return indices.Aggregate(SteeringSpec.Empty, (spec, i) => Sites[i].AddTo(spec, _vectors[i]!, coefficient));
    }

    /// <summary>
    /// One model's vectors as the one vector file's type (a tensor per hook name, the model's identity recorded). The
    /// result holds copies: dispose it.
    /// </summary>
    /// <param name="schema">Whose vectors; may be null when the class steers one model.</param>
    /// <exception cref="SteeringException">Several schemas and none given, or a site has no vector.</exception>
    public SteeringVectors ToVectors(SchemaIdentity? schema = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        schema ??= Schemas.Count == 1 ? Schemas[0]
            : throw new SteeringException($"{GetType().Name} steers {Schemas.Count} models ({Describe(Schemas)}): say whose vectors to take");
        var indices = Enumerable.Range(0, Sites.Count).Where(i => Sites[i].Schema == schema).ToList();
        if (indices.Count == 0) throw new SteeringException($"{GetType().Name} has no site for the schema '{schema.Name}'");
        return SteeringVectors.Create(indices.Select(i => new KeyValuePair<string, Tensor>(Sites[i].Point.Name,
            _vectors[i] ?? throw new SteeringException($"{GetType().Name} has no vector for {Sites[i].Point.Name}"))), schema);
    }

    /// <summary>
    /// Saves one model's vectors in the one vector file (atomically; the model's identity in the <c>steering.*</c>
    /// metadata) with its sidecar, which the compiler reads to check <c>[SteerAt(Vector = …)]</c>.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="schema">Whose vectors; may be null when the class steers one model.</param>
    /// <exception cref="SteeringException">Several schemas and none given, or a site has no vector.</exception>
    public void Save(string path, SchemaIdentity? schema = null)
    {
        using var vectors = ToVectors(schema);
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
        var point = Sites[site].Point;
        var copy = value is null ? null : ActivationEdits.Check(point.Name, point.VectorShape, point.ToString(), value, "vector");
        _vectors[site]?.Dispose();
        _vectors[site] = copy;
    }

    /// <summary>Sets the vectors of <paramref name="model"/>'s sites with <paramref name="builder"/>, from the same runs for every site.</summary>
    /// <exception cref="SteeringException">The model matches none of the schemas, or the builder fails.</exception>
    public void SetFromBuilder(HookedTransformer model, VectorBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var indices = SiteIndicesFor(model);
        using var vectors = builder.Build(model, indices.Select(i => Sites[i].Point.In(model)).ToList());
        foreach (var i in indices) SetVector(i, vectors[Sites[i].Point.Name]);
    }

    /// <summary>
    /// Sets site <paramref name="site"/>'s vector from a safetensors file: its tensor named by the site's hook, or its only
    /// tensor (what the generated <c>LoadDefault</c> uses for each <c>[SteerAt(Vector = …)]</c> file).
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, lacks the site's tensor, or the tensor does not fit.</exception>
    protected void SetFromFile(int site, string path)
    {
        using var vectors = SteeringVectors.Load(path);
        SetFrom(vectors, path, new[] { site }, allowSingle: true);
    }

    /// <summary>
    /// Sets site <paramref name="site"/>'s vector from the safetensors file embedded in the generated class's assembly as
    /// <paramref name="resourceName"/> (a <c>SteeringVector</c> item): LoadDefault with no file next to the application.
    /// </summary>
    /// <exception cref="CheckpointException">The resource is missing or unreadable, or does not fit the site.</exception>
    protected void SetFromResource(int site, string resourceName)
    {
        var assembly = GetType().Assembly;
        var where = assembly.GetName().Name + "!" + resourceName;
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new CheckpointException(where, "is not embedded in the assembly (add <SteeringVector Include=\"…\" /> to the project)");
        // The safetensors reader works on files (it maps and seeks); a vector is small, so it goes through a temporary copy.
        var copy = Path.Combine(Path.GetTempPath(), "steering-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            using (var target = File.Create(copy)) stream.CopyTo(target);
            using var vectors = SteeringVectors.Load(copy);
            SetFrom(vectors, where, new[] { site }, allowSingle: true);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    /// <summary>
    /// Sets the vectors of one model's sites from a file written by <see cref="Save"/> (or a one-tensor file for a
    /// one-site model): the model identity the file records picks the sites when the class steers several models.
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, is for none of the schemas, or lacks a site's tensor.</exception>
    protected void SetFromFile(string path)
    {
        using var vectors = SteeringVectors.Load(path);
        var made = vectors.ModelIdentity;
        var schema = made is null
            ? Schemas.Count == 1 ? Schemas[0]
                : throw new CheckpointException(path, $"names no model; {GetType().Name} steers several: {Describe(Schemas)}")
            : Schemas.FirstOrDefault(s => s.Matches(made))
                ?? throw new CheckpointException(path, $"was made for {made.Describe()}; {GetType().Name} steers {Describe(Schemas)}");
        var indices = Enumerable.Range(0, Sites.Count).Where(i => Sites[i].Schema == schema).ToList();
        SetFrom(vectors, path, indices, allowSingle: indices.Count == 1);
    }

    private void SetFrom(SteeringVectors vectors, string where, IReadOnlyList<int> sites, bool allowSingle)
    {
        foreach (var i in sites)
        {
            var point = Sites[i].Point;
            if (vectors.ModelIdentity is { } made && !made.Matches(Sites[i].Schema))
                throw new CheckpointException(where, $"was made for {made.Describe()}; {GetType().Name} steers {Sites[i].Schema.Describe()} there");
            var vector = vectors.TryGetValue(point.Name, out var found) ? found
                : allowSingle && vectors.Count == 1 ? vectors.Single
                : throw new CheckpointException(where, $"has no vector for '{point.Name}' (it has {string.Join(", ", vectors.Sites)})");
            try
            {
                SetVector(i, vector);
            }
            catch (SteeringException e) when (e is not CheckpointException)
            {
                throw new CheckpointException(where, e.Message, e);
            }
        }
    }

    private List<int> SiteIndicesFor(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var schema = Schemas.FirstOrDefault(s => s.Matches(model));
        if (schema is null)
        {
            if (Schemas.Count == 1) Schemas[0].Check(model);
            throw new SteeringException($"{GetType().Name} steers {Describe(Schemas)}; the model '{model.Schema.Name}' is {SchemaIdentity.Describe(model.Schema.Architecture, model.Dimensions)}");
        }
        return Enumerable.Range(0, Sites.Count).Where(i => Sites[i].Schema == schema).ToList();
    }

    private static string Describe(IEnumerable<SchemaIdentity> schemas) => string.Join("; ", schemas.Select(s => s.Describe()));
}
