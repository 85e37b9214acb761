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

    internal HookPointCollection(ModelSchema schema)
    {
        _points = schema.HookPoints.Select(info => new HookPoint(info, schema.Dimensions)).ToArray();
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

    /// <summary>A new, empty scope: hooks added to it stay installed until it is disposed.</summary>
    public HookScope CreateScope() => new(this);

    /// <summary>True while any hook is installed anywhere in the model.</summary>
    public bool AnyHooked => _points.Any(p => p.IsHooked);

    /// <inheritdoc/>
    public IEnumerator<HookPoint> GetEnumerator() => ((IEnumerable<HookPoint>)_points).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal UnknownHookPointException Unknown(string name)
    {
        var names = _byName.Keys;
        return new UnknownHookPointException(
            name, HookNames.DescribeUnknown(name, names, _layerCount), HookNames.Suggest(name, names));
    }
}
