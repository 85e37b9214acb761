using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// One edit of a <see cref="SteeringSpec"/>: where (a hook target and positions), under which CAST conditions, and
/// what it computes. <see cref="Edited(Tensor, EditContext)"/> returns the edited activation at every position; the caller keeps the
/// original values where <see cref="Positions"/> does not select (and at padding).
/// </summary>
internal abstract class Edit
{
    protected Edit(HookTarget target, PositionSelector? positions)
    {
        _ = target.Value; // a default target is an error here, not at bind time
        Target = target;
        Positions = positions ?? PositionSelector.All;
    }

    public HookTarget Target { get; }

    public PositionSelector Positions { get; }

    private ImmutableArray<SteeringCondition> _conditions = ImmutableArray<SteeringCondition>.Empty;

    /// <summary>The conditions that must all hold for this edit to apply (none: always).</summary>
    public ImmutableArray<SteeringCondition> Conditions => _conditions;

    /// <summary>This edit, gated by <paramref name="condition"/> as well (edits are immutable: a copy).</summary>
    public Edit When(SteeringCondition condition)
    {
        var gated = (Edit)MemberwiseClone();
        gated._conditions = _conditions.Add(condition);
        return gated;
    }

    /// <summary>Checks the edit's tensors against the point it resolved to.</summary>
    /// <exception cref="SteeringException">They do not fit.</exception>
    public abstract void Check(HookPoint point);

    /// <summary>The activation edited at every position ([batch, pos, …], same shape, dtype and device as <paramref name="x"/>).</summary>
    public abstract Tensor Edited(Tensor x, EditContext context);

    /// <summary>
    /// The activation edited at every position, row r as <paramref name="rows"/>[r] edits it (null: any values, the
    /// caller keeps the row's own), where every row's edit joins this one (<see cref="JoinsWith"/>).
    /// </summary>
    public virtual Tensor Edited(Tensor x, EditContext context, IReadOnlyList<Edit?> rows) => Edited(x, context);

    /// <summary>What the edit does besides where: tensors compare by reference, everything else by value.</summary>
    protected abstract object?[] Settings { get; }

    /// <summary>The settings rows must share to be edited in one op (all of them, unless the edit takes a value per row).</summary>
    protected virtual object?[] JoinSettings => Settings;

    /// <summary>
    /// Whether rows under this edit and rows under <paramref name="other"/> can be edited in one op: the same edit but for
    /// its positions, its conditions (decided before) and any value the edit takes per row (an addition's coefficient).
    /// </summary>
    public bool JoinsWith(Edit other) =>
        ReferenceEquals(this, other) || other.GetType() == GetType() && JoinSettings.SequenceEqual(other.JoinSettings, SettingComparer.Instance);

    /// <summary>Same kind, target, positions, conditions and settings (tensors by reference).</summary>
    public override bool Equals(object? obj) =>
        obj is Edit other && other.GetType() == GetType() && Target == other.Target && Positions.Equals(other.Positions)
        && _conditions.SequenceEqual(other._conditions) && Settings.SequenceEqual(other.Settings, SettingComparer.Instance);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(GetType(), Target);

    /// <summary>The activation with this edit applied at the selected real positions.</summary>
    public Tensor Apply(Tensor x, EditContext context) => context.Blend(x, Edited(x, context), Positions);

    /// <summary>
    /// The activation with row r edited by <paramref name="rows"/>[r] at its positions (null: row r kept), in one op: every
    /// row's edit joins this one.
    /// </summary>
    public Tensor Apply(Tensor x, EditContext context, IReadOnlyList<Edit?> rows) =>
        rows.All(e => ReferenceEquals(e, this) || Equals(e))
            ? Apply(x, context)
            : context.Blend(x, Edited(x, context, rows), rows.Select(e => e?.Positions).ToArray());

    protected static void CheckVector(HookPoint point, Tensor vector, string what) =>
        ActivationEdits.CheckShape(point.Name, point.VectorShape, point.Info.DimsText, vector.shape, what);

    /// <summary>x as [batch, pos, features] (the point's vector dimensions flattened).</summary>
    protected static Tensor Flat(Tensor x) => x.reshape(x.shape[0], x.shape[1], -1);

    /// <summary>A unit direction in x's dtype and device, flattened to [features].</summary>
    protected static Tensor Unit(Tensor direction, Tensor x)
    {
        var d = direction.to(x.dtype, x.device).flatten();
        return d / d.norm();
    }
}

/// <summary>Compares edit settings: tensors (and delegates) by reference, values by value.</summary>
internal sealed class SettingComparer : System.Collections.Generic.IEqualityComparer<object?>
{
    public static SettingComparer Instance { get; } = new();

    public new bool Equals(object? x, object? y) => ReferenceEquals(x, y) || (x is not (Tensor or Delegate) && object.Equals(x, y));

    public int GetHashCode(object? obj) => obj is Tensor or Delegate ? System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj) : obj?.GetHashCode() ?? 0;
}

/// <summary>Adds coefficient × (scaled) vector, optionally keeping each position's norm.</summary>
internal sealed class AddEdit : Edit
{
    private readonly Tensor _vector;
    private readonly double _coefficient;
    private readonly AddOptions _options;

    public AddEdit(HookTarget target, Tensor vector, double coefficient, AddOptions? options) : base(target, options?.Positions)
    {
        _options = options ?? new AddOptions();
        ActivationEdits.CheckValues(vector, "vector", target.Name, direction: _options.Scaling != VectorScaling.AsGiven);
        if (!double.IsFinite(coefficient)) throw new SteeringException($"the coefficient for '{target.Name}' is {coefficient}");
        if (_options.Scaling == VectorScaling.MeanActivationNorm && !(_options.MeanActivationNorm is double norm && double.IsFinite(norm) && norm > 0))
            throw new SteeringException($"scaling to the mean activation norm at '{target.Name}' needs a positive MeanActivationNorm");
        _vector = vector;
        _coefficient = coefficient;
    }

    protected override object?[] Settings => [_vector, _coefficient, _options.Scaling, _options.MeanActivationNorm, _options.PreserveNorm];

    /// <summary>Rows adding the same vector, scaled and norm-kept alike, join: each row's factor is a value of a column.</summary>
    protected override object?[] JoinSettings => [_vector, _options.Scaling, _options.PreserveNorm];

    /// <summary>What multiplies the vector (as given) or its unit direction (scaled): the coefficient, times the mean norm when relative to it.</summary>
    private double Factor => _options.Scaling == VectorScaling.MeanActivationNorm ? _coefficient * _options.MeanActivationNorm!.Value : _coefficient;

    public override void Check(HookPoint point) => CheckVector(point, _vector, "vector");

    public override Tensor Edited(Tensor x, EditContext context)
    {
        var vector = _vector.to(x.dtype, x.device);
        return Added(x, _options.Scaling == VectorScaling.AsGiven ? vector.mul(Factor) : vector.mul(Factor / vector.norm()));
    }

    /// <summary>One addition for every row: the rows' factors as a [rows, 1, …] column (0 for rows kept as they are).</summary>
    public override Tensor Edited(Tensor x, EditContext context, IReadOnlyList<Edit?> rows)
    {
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[0] = rows.Count;
        // Reduced-precision activations: the factors stay float32, as a scalar factor would be, and the sum is rounded once.
        var precision = x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var factors = tensor(rows.Select(e => e is AddEdit add ? add.Factor : 0).ToArray(), precision, x.device).view(shape);
        var vector = _vector.to(x.dtype, x.device);
        var delta = _options.Scaling == VectorScaling.AsGiven ? vector.mul(factors) : vector.mul(factors / vector.norm());
        return Added(x, delta.to(x.dtype));
    }

    private Tensor Added(Tensor x, Tensor delta)
    {
        var added = x + delta;
        if (!_options.PreserveNorm) return added;
        var before = Flat(x).norm(-1, true);
        var after = Flat(added).norm(-1, true);
        return (Flat(added) * (before / after.clamp_min(1e-12))).view(x.shape);
    }
}

/// <summary>Projects a direction out: x − (x·d̂)d̂.</summary>
internal sealed class AblateEdit : Edit
{
    private readonly Tensor _direction;

    public AblateEdit(HookTarget target, Tensor direction, PositionSelector? positions) : base(target, positions)
    {
        ActivationEdits.CheckValues(direction, "direction", target.Name, direction: true);
        _direction = direction;
    }

    protected override object?[] Settings => [_direction];

    public override void Check(HookPoint point) => CheckVector(point, _direction, "direction");

    public override Tensor Edited(Tensor x, EditContext context)
    {
        var flat = Flat(x);
        var d = Unit(_direction, x);
        return (flat - flat.matmul(d).unsqueeze(-1) * d).view(x.shape);
    }
}

/// <summary>Clamps the projection x·d̂ to [min, max]: x + (clamp(x·d̂) − x·d̂)d̂.</summary>
internal sealed class ClampEdit : Edit
{
    private readonly Tensor _direction;
    private readonly double? _min;
    private readonly double? _max;

    public ClampEdit(HookTarget target, Tensor direction, double? min, double? max, PositionSelector? positions) : base(target, positions)
    {
        ActivationEdits.CheckValues(direction, "direction", target.Name, direction: true);
        if (min is null && max is null) throw new SteeringException($"a clamp at '{target.Name}' needs a lower bound, an upper bound or both");
        if (min is double low && !double.IsFinite(low) || max is double high && !double.IsFinite(high))
            throw new SteeringException($"the clamp bounds at '{target.Name}' must be finite numbers");
        if (min > max) throw new SteeringException($"the clamp at '{target.Name}' has lower bound {min} above upper bound {max}");
        _direction = direction;
        _min = min;
        _max = max;
    }

    protected override object?[] Settings => [_direction, _min, _max];

    public override void Check(HookPoint point) => CheckVector(point, _direction, "direction");

    public override Tensor Edited(Tensor x, EditContext context)
    {
        var flat = Flat(x);
        var d = Unit(_direction, x);
        var along = flat.matmul(d).unsqueeze(-1);
        var clamped = along;
        if (_min is double low) clamped = clamped.clamp_min(low);
        if (_max is double high) clamped = clamped.clamp_max(high);
        return (flat + (clamped - along) * d).view(x.shape);
    }
}

/// <summary>
/// Replays an activation recorded in another run: at each selected position p of a sequence, the source's position p
/// (positions the source does not reach are left alone).
/// </summary>
internal sealed class PatchEdit : Edit
{
    private readonly Tensor _source;

    public PatchEdit(HookTarget target, Tensor source, PositionSelector? positions) : base(target, positions)
    {
        ActivationEdits.CheckValues(source, "patch source", target.Name);
        _source = source;
    }

    protected override object?[] Settings => [_source];

    public override void Check(HookPoint point)
    {
        var rank = point.VectorShape.Count;
        if (rank == 0) CheckVector(point, _source, "patch source"); // says the point is not per-position
        var shape = _source.shape;
        var perPosition = shape.Length == rank + 2 && shape[0] == 1 ? shape[2..] : shape.Length == rank + 1 ? shape[1..] : null;
        if (perPosition is null || shape[^(rank + 1)] == 0 || !perPosition.SequenceEqual(point.VectorShape.Select(s => (long)s)))
            throw new SteeringException(
                $"the patch source for '{point.Name}' has shape [{string.Join(", ", shape)}]; it must be one run's activation there, " +
                $"[1, pos, {string.Join(", ", point.VectorShape)}] or [pos, {string.Join(", ", point.VectorShape)}]");
    }

    public override Tensor Edited(Tensor x, EditContext context)
    {
        var source = _source.to(x.dtype, x.device).reshape(-1, Flat(x).shape[2]);
        var length = source.shape[0];
        var positions = context.Hook.Positions;
        var replayed = source.index_select(0, positions.clamp_max(length - 1).flatten()).view(x.shape);
        var reached = context.Hook.PerPosition(positions.lt(length));
        return where(reached, replayed, x);
    }
}

/// <summary>Any edit as a hook function; null from it means "unchanged".</summary>
internal sealed class CustomEdit : Edit
{
    private readonly HookFunction _edit;

    public CustomEdit(HookTarget target, HookFunction edit, PositionSelector? positions) : base(target, positions) =>
        _edit = edit ?? throw new ArgumentNullException(nameof(edit));

    protected override object?[] Settings => [_edit];

    public override void Check(HookPoint point)
    {
    }

    public override Tensor Edited(Tensor x, EditContext context)
    {
        var edited = _edit(x, context.Hook);
        if (edited is null) return x;
        if (!edited.shape.SequenceEqual(x.shape))
            throw new SteeringException(
                $"a custom edit at '{context.Hook.Name}' returned shape [{string.Join(", ", edited.shape)}]; the activation is [{string.Join(", ", x.shape)}]");
        return edited;
    }
}
