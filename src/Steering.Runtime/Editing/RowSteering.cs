using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// Per-row steering of a batched forward pass: row r is steered by session r (null: unsteered). The pass carries it
/// (<see cref="ForwardPass.Edits"/>), so it never touches the model's hook points and concurrent passes never see each
/// other's edits. Rows may join and leave between decode steps: build one for each pass from the rows it holds — each
/// session keeps its own state (prompt length, CAST decisions) across passes.
/// </summary>
/// <remarks>
/// At a point, rows whose edits agree but for coefficients and positions (the usual serving case: many requests adding
/// one vector, each with its own coefficient, some not steered) are edited in one op over the whole batch, with a
/// column of per-row coefficients and a per-row position mask. Only rows under genuinely different edits are grouped
/// and edited each group on its own rows (index_select, edit, index_copy). Either way a row's result is what it would
/// be alone; padding and rows an edit does not select keep their exact values.
/// </remarks>
internal sealed class RowSteering : PassEdits
{
    private readonly SteeringSession?[] _rows;
    private readonly HookPointCollection _points;
    private readonly HashSet<HookPoint> _touched;
    private ForwardPass? _pass;
    private Tensor? _promptLengths;

    /// <summary>Steering for a batch whose row r belongs to <paramref name="rows"/>[r].</summary>
    /// <exception cref="SteeringException">A session belongs to another model.</exception>
    public RowSteering(HookPointCollection points, IReadOnlyList<SteeringSession?> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        _points = points;
        _rows = rows.ToArray();
        if (_rows.Any(s => s is not null && !ReferenceEquals(s.Bound.Points, points)))
            throw new SteeringException("a steering session was made for another model than this pass's");
        _touched = _rows.OfType<SteeringSession>().Select(s => s.Bound).Distinct().SelectMany(b => b.TouchedPoints).ToHashSet();
    }

    /// <summary>Every row steered by its own new session of <paramref name="spec"/> (one spec for the whole batch).</summary>
    public static RowSteering ForBatch(HookPointCollection points, SteeringSpec spec, long batch)
    {
        var rows = new SteeringSession?[batch];
        for (var row = 0; row < batch; row++) rows[row] = new SteeringSession(spec, points);
        return new RowSteering(points, rows);
    }

    /// <summary>The sessions by row.</summary>
    public IReadOnlyList<SteeringSession?> Rows => _rows;

    /// <summary>True while <paramref name="pass"/> is the pass this steering is running in.</summary>
    public bool IsIn(ForwardPass pass) => ReferenceEquals(_pass, pass);

    /// <summary>The model whose points this steers.</summary>
    public HookPointCollection Points => _points;

    /// <inheritdoc/>
    public override bool Touches(HookPoint point) => _touched.Contains(point);

    /// <inheritdoc/>
    public override Tensor Run(HookPoint point, Tensor activation, ForwardPass pass)
    {
        if (!_touched.Contains(point)) return activation;
        if (pass.Positions.shape[0] != _rows.Length)
            throw new SteeringException($"the pass has {pass.Positions.shape[0]} rows but its steering has {_rows.Length}");
        Begin(pass);
        Decide(point, activation, pass);
        var groups = Groups(point);
        if (groups.Count == 1)
        {
            // One kind of edit: the whole batch at once, rows it does not edit kept by the masks.
            var edits = new IReadOnlyList<Edit>?[_rows.Length];
            foreach (var (row, rowEdits) in groups[0]) edits[row] = rowEdits;
            return Apply(edits, activation, new HookContext(point, pass), () => PromptLengths(pass));
        }
        foreach (var group in groups)
        {
            var index = tensor(group.Select(m => (long)m.Row).ToArray(), ScalarType.Int64, activation.device);
            var edited = Apply(group.Select(m => m.Edits).ToArray(), activation.index_select(0, index), new HookContext(point, pass.Rows(index)),
                () => PromptLengths(pass).index_select(0, index));
            activation = activation.index_copy(0, index, edited);
        }
        return activation;
    }

    /// <summary>
    /// <paramref name="x"/> with row r edited by <paramref name="rows"/>[r] (null: kept), edit by edit, each edit one op
    /// over the rows: the rows' edit lists join (<see cref="Joins"/>).
    /// </summary>
    private static Tensor Apply(IReadOnlyList<IReadOnlyList<Edit>?> rows, Tensor x, HookContext hook, Func<Tensor> promptLengths)
    {
        var context = new EditContext(hook, promptLengths);
        var first = rows.First(r => r is not null)!;
        for (var i = 0; i < first.Count; i++)
            x = first[i].Apply(x, context, rows.Select(r => r?[i]).ToArray());
        return x;
    }

    /// <summary>On a pass's first point: sessions seeing their first pass take it as their prompt.</summary>
    private void Begin(ForwardPass pass)
    {
        if (ReferenceEquals(_pass, pass)) return;
        _pass = pass;
        _promptLengths = null;
        if (_rows.All(s => s is null || s.Started)) return;
        var last = pass.Positions[.., -1].cpu().data<long>().ToArray();
        for (var row = 0; row < _rows.Length; row++)
            if (_rows[row] is { Started: false } session) session.Start(pass, last[row]);
    }

    /// <summary>CAST: rows in their prompt pass decide the conditions read at this point (before its edits run).</summary>
    private void Decide(HookPoint point, Tensor activation, ForwardPass pass)
    {
        Dictionary<SteeringCondition, bool[]>? evaluated = null;
        foreach (var (session, row) in _rows.Select((s, r) => (s, r)))
        {
            if (session is null || !session.IsPromptPass(pass)) continue;
            foreach (var (index, condition) in session.Bound.ConditionsAt(point))
            {
                evaluated ??= new Dictionary<SteeringCondition, bool[]>();
                if (!evaluated.TryGetValue(condition, out var holds))
                    evaluated[condition] = holds = condition.Evaluate(activation, new HookContext(point, pass));
                session.Decide(index, holds[row]);
            }
        }
    }

    /// <summary>
    /// The rows edited at <paramref name="point"/> with the edits that apply to each (its spec's, under its CAST
    /// decisions), grouped so that a group's edit lists join: rows that differ only in coefficients and positions share one.
    /// </summary>
    private List<List<(int Row, IReadOnlyList<Edit> Edits)>> Groups(HookPoint point)
    {
        var groups = new List<List<(int Row, IReadOnlyList<Edit> Edits)>>();
        var applying = new Dictionary<(BoundSpec, ulong), IReadOnlyList<Edit>>(); // rows of one spec share one list
        for (var row = 0; row < _rows.Length; row++)
        {
            if (_rows[row] is not { } session) continue;
            var at = session.Bound.EditsAt(point);
            if (at.Count == 0) continue;
            var key = (session.Bound, at.Any(e => e.Gates != 0) ? session.Fired : 0UL);
            if (!applying.TryGetValue(key, out var edits))
                applying[key] = edits = at.Where(e => e.AppliesWith(session.Fired)).Select(e => e.Edit).ToList();
            if (edits.Count == 0) continue;
            var group = groups.Find(g => Joins(g[0].Edits, edits));
            if (group is null) groups.Add(group = new List<(int, IReadOnlyList<Edit>)>());
            group.Add((row, edits));
        }
        return groups;
    }

    /// <summary>Edit lists whose rows can be edited together: edit by edit, each joins the other's.</summary>
    private static bool Joins(IReadOnlyList<Edit> a, IReadOnlyList<Edit> b) =>
        ReferenceEquals(a, b) || a.Count == b.Count && a.Zip(b).All(pair => pair.First.JoinsWith(pair.Second));

    private Tensor PromptLengths(ForwardPass pass) =>
        _promptLengths ??= tensor(_rows.Select(s => s?.PromptLength ?? 0).ToArray(), ScalarType.Int64, pass.Positions.device);
}
