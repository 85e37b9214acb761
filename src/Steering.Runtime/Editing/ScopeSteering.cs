using Steering.Hooks;

namespace Steering.Editing;

/// <summary>
/// A spec installed model-wide through a scope's hooks. Every prefill pass starts new sessions (one per row), which
/// the decode steps after it continue — so positions and CAST decisions work as in per-call steering. Calls through a
/// model-wide spec are serialized at its points; concurrent callers should steer per call instead.
/// </summary>
internal sealed class ScopeSteering
{
    private readonly SteeringSpec _spec;
    private readonly object _lock = new();
    private RowSteering? _rows;

    /// <exception cref="SteeringException">The spec does not fit the model.</exception>
    public ScopeSteering(SteeringSpec spec, HookPointCollection points)
    {
        _spec = spec;
        Points = points;
        Bound = spec.Bind(points);
    }

    public HookPointCollection Points { get; }

    public BoundSpec Bound { get; }

    /// <summary>The hook to install at <paramref name="point"/>.</summary>
    public HookFunction HookAt(HookPoint point) => (x, context) =>
    {
        lock (_lock) return RowsFor(context.Pass).Run(point, x, context.Pass);
    };

    private RowSteering RowsFor(ForwardPass pass)
    {
        var batch = pass.Positions.shape[0];
        var fresh = _rows is null || _rows.Rows.Count != batch || (pass.Phase == ForwardPhase.Prefill && !_rows.IsIn(pass));
        if (fresh) _rows = RowSteering.ForBatch(Points, _spec, batch);
        return _rows!;
    }
}
