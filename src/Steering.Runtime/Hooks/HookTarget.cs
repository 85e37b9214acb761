using System;

namespace Steering.Hooks;

/// <summary>
/// Where a hook, cache or edit goes: a hook name (canonical or a TransformerLens alias), a typed
/// <see cref="HookPointRef"/> (as the source generator emits them) or a model's <see cref="HookPoint"/>. Every call
/// that takes a hook point takes this; it converts implicitly from all three and is resolved and checked against the
/// model once (<see cref="HookPointCollection.Resolve"/>): an unknown name, a typed point whose shape differs from the
/// model's, or a point of another model is a <see cref="SteeringException"/>.
/// </summary>
public readonly struct HookTarget : IEquatable<HookTarget>
{
    private readonly object? _target;

    private HookTarget(object target) => _target = target;

    /// <summary>The name as given (an alias stays an alias until resolved).</summary>
    public string Name => _target switch
    {
        string name => name,
        HookPointRef typed => typed.Name,
        HookPoint point => point.Name,
        _ => "",
    };

    /// <summary>A target by hook name (canonical or alias).</summary>
    public static implicit operator HookTarget(string name) => new(name ?? throw new ArgumentNullException(nameof(name)));

    /// <summary>A target by typed hook point.</summary>
    public static implicit operator HookTarget(HookPointRef point) => new(point ?? throw new ArgumentNullException(nameof(point)));

    /// <summary>A target by a model's own hook point.</summary>
    public static implicit operator HookTarget(HookPoint point) => new(point ?? throw new ArgumentNullException(nameof(point)));

    /// <summary>A target by hook name (for languages without implicit conversions).</summary>
    public static HookTarget FromName([HookName] string name) => name;

    /// <summary>A target by typed hook point.</summary>
    public static HookTarget FromRef(HookPointRef point) => point;

    /// <summary>A target by a model's hook point.</summary>
    public static HookTarget FromPoint(HookPoint point) => point;

    internal object Value => _target ?? throw new SteeringException("no hook point was given");

    /// <inheritdoc/>
    public bool Equals(HookTarget other) => Equals(_target, other._target);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HookTarget other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _target?.GetHashCode() ?? 0;

    /// <summary>Compares two targets as given (a name and a point of that name are different targets).</summary>
    public static bool operator ==(HookTarget left, HookTarget right) => left.Equals(right);

    /// <summary>Compares two targets as given.</summary>
    public static bool operator !=(HookTarget left, HookTarget right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
