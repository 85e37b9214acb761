using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;

namespace Steering.Editing;

/// <summary>
/// A <see cref="SteeringSpec"/> resolved against one model: its edits by hook point (in the spec's order) and its CAST
/// conditions by point, every target resolved and every tensor checked once.
/// </summary>
internal sealed class BoundSpec
{
    private readonly Dictionary<HookPoint, BoundEdit[]> _edits;
    private readonly Dictionary<HookPoint, (int Index, SteeringCondition Condition)[]> _conditions;

    /// <exception cref="SteeringException">A target is unknown or of another model, or a tensor does not fit its point.</exception>
    public BoundSpec(IReadOnlyList<Edit> edits, HookPointCollection points)
    {
        Points = points;
        var conditions = edits.SelectMany(e => e.Conditions).Distinct().ToList();
        if (conditions.Count > 64) throw new SteeringException($"a steering spec has {conditions.Count} conditions; at most 64 are supported");
        var conditionPoints = conditions.Select(c => Resolve(points, c)).ToList();
        _conditions = conditions.Select((c, i) => (Point: conditionPoints[i], Entry: (i, c)))
            .GroupBy(c => c.Point).ToDictionary(g => g.Key, g => g.Select(c => c.Entry).ToArray());
        _edits = edits.Select(edit =>
            {
                var point = points.Resolve(edit.Target);
                edit.Check(point);
                var gates = edit.Conditions.Aggregate(0UL, (mask, c) => mask | 1UL << conditions.IndexOf(c));
                return (Point: point, Edit: new BoundEdit(edit, gates));
            })
            .GroupBy(e => e.Point).ToDictionary(g => g.Key, g => g.Select(e => e.Edit).ToArray());
    }

    public HookPointCollection Points { get; }

    /// <summary>The edits at <paramref name="point"/>, in spec order (empty for none).</summary>
    public IReadOnlyList<BoundEdit> EditsAt(HookPoint point) => _edits.TryGetValue(point, out var edits) ? edits : [];

    /// <summary>The conditions read at <paramref name="point"/>, with their bit in a session's fired mask.</summary>
    public IReadOnlyList<(int Index, SteeringCondition Condition)> ConditionsAt(HookPoint point) =>
        _conditions.TryGetValue(point, out var conditions) ? conditions : [];

    /// <summary>Every point the spec touches.</summary>
    public IEnumerable<HookPoint> TouchedPoints => _edits.Keys.Union(_conditions.Keys);

    private static HookPoint Resolve(HookPointCollection points, SteeringCondition condition)
    {
        var point = points.Resolve(condition.Point);
        ActivationEdits.CheckShape(point.Name, point.VectorShape, point.Info.DimsText, condition.Direction.shape, "condition direction");
        return point;
    }
}

/// <summary>An edit and the conditions (bits of a session's fired mask) that must all hold for it to apply.</summary>
internal sealed record BoundEdit(Edit Edit, ulong Gates)
{
    public bool AppliesWith(ulong fired) => (Gates & ~fired) == 0;
}
