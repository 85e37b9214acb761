using System.Collections;
using System.Collections.Generic;
using System.Linq;
using Steering.Schema;

namespace Steering.Hooks;

/// <summary>
/// A model's hook points by name (TransformerLens's <c>hook_dict</c>), built once when the model is made.
/// Names are canonical or TransformerLens aliases (<c>blocks.5.hook_resid_post</c>); an unknown name fails with the
/// closest valid names.
/// </summary>
public sealed class HookPointCollection : IReadOnlyList<HookPoint>
{
    private readonly HookPoint[] _points;
    private readonly Dictionary<string, HookPoint> _byName;
    private readonly int _layerCount;
    private readonly string _modelName;
    private readonly HashSet<HookScope> _scopes = new();

    internal HookPointCollection(ModelSchema schema)
    {
        _modelName = schema.Name;
        _points = schema.HookPoints.Select(info => new HookPoint(info, schema.Dimensions, this)).ToArray();
        _byName = _points.ToDictionary(p => p.Name, System.StringComparer.Ordinal);
        _layerCount = schema.Dimensions.NLayers;
    }

    /// <summary>The hook point named <paramref name="name"/>.</summary>
    /// <exception cref="UnknownHookPointException">The model has no such point; the message says the closest names.</exception>
    public HookPoint this[[HookName] string name] =>
        TryGet(name, out var point) ? point : throw Unknown(name);

    /// <inheritdoc/>
    public HookPoint this[int index] => _points[index];

    /// <inheritdoc/>
    public int Count => _points.Length;

    /// <summary>Finds a hook point by canonical name or alias.</summary>
    public bool TryGet([HookName] string name, out HookPoint point) =>
        _byName.TryGetValue(HookNames.Canonicalize(name), out point!);

    /// <summary>
    /// The model's point for <paramref name="target"/>, checked: a name must be one of the model's (canonical or alias),
    /// a typed point must have the model's dims and vector shape there, a <see cref="HookPoint"/> must be this model's.
    /// </summary>
    /// <exception cref="UnknownHookPointException">The model has no point of that name (the message says the closest).</exception>
    /// <exception cref="SteeringException">A typed point of another shape, or a point of another model.</exception>
    public HookPoint Resolve([HookName] HookTarget target) => target.Value switch
    {
        HookPoint point => Owns(point) ? point
            : throw new SteeringException($"the hook point '{point.Name}' belongs to another model than this one ('{_modelName}')"),
        HookPointRef typed => Matching(typed, this[typed.Name]),
        _ => this[target.Name],
    };

    /// <summary>A new, empty scope: hooks added to it stay installed until it is disposed.</summary>
    public HookScope CreateScope() => new(this);

    /// <summary>
    /// Removes every hook of every scope still open on this model and disposes what those scopes own (TransformerLens's
    /// <c>reset_hooks</c>): for a notebook that lost track of its scopes. Activation caches already made stay valid.
    /// </summary>
    public void Reset()
    {
        HookScope[] open;
        lock (_scopes) open = _scopes.ToArray();
        foreach (var scope in open) scope.Dispose();
    }

    /// <summary>True while any hook is installed anywhere in the model.</summary>
    public bool AnyHooked => _points.Any(p => p.IsHooked);

    /// <inheritdoc/>
    public IEnumerator<HookPoint> GetEnumerator() => ((IEnumerable<HookPoint>)_points).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Track(HookScope scope)
    {
        lock (_scopes) _scopes.Add(scope);
    }

    internal void Untrack(HookScope scope)
    {
        lock (_scopes) _scopes.Remove(scope);
    }

    private bool Owns(HookPoint point) => ReferenceEquals(point.Collection, this);

    private static HookPoint Matching(HookPointRef typed, HookPoint point)
    {
        if (typed.Dims.SequenceEqual(point.Info.Dims) && typed.VectorShape.SequenceEqual(point.VectorShape)) return point;
        throw new SteeringException(
            $"the typed hook point {typed} (vector [{string.Join(", ", typed.VectorShape)}]) does not fit this model's '{point.Name}' " +
            $"{point.Info.DimsText} (vector [{string.Join(", ", point.VectorShape)}]): it was generated for another model");
    }

    internal UnknownHookPointException Unknown(string name)
    {
        var names = _byName.Keys;
        return new UnknownHookPointException(
            name, HookNames.DescribeUnknown(name, names, _layerCount), HookNames.Suggest(name, names));
    }
}
