using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Steering.Editing;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Serving;

/// <summary>
/// The running batch of a <see cref="GenerationScheduler"/>: its requests in row order and one KV cache whose rows are
/// theirs. Only the scheduler's thread uses it. A failed pass fails exactly the requests in it; the batch goes on.
/// </summary>
internal sealed class BatchState(HookedTransformer model) : IDisposable
{
    private readonly KvCache _cache = model.CreateCache();
    private List<ScheduledRequest> _rows = new();
    private long _steps;
    private long _rowsDecoded;

    /// <summary>The number of running requests.</summary>
    public int Count => _rows.Count;

    /// <summary>Decode steps run, and the rows they held in all (their ratio is the mean batch size).</summary>
    public (long Steps, long Rows) Decoded => (Interlocked.Read(ref _steps), Interlocked.Read(ref _rowsDecoded));

    /// <summary>Positions in the batch's KV cache, padding included.</summary>
    public int CachedPositions => _cache.Length;

    /// <summary>
    /// Prefills <paramref name="joining"/> together (left-padded, in a cache of their own), gives each its first token,
    /// and merges the rows of those that continue into the batch's cache.
    /// </summary>
    public void Join(IReadOnlyList<ScheduledRequest> joining)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = model.CreateCache();
        long[] chosen;
        try
        {
            var (ids, mask) = TokenBatch.LeftPad(joining.Select(r => r.Request.PromptIds).ToList(), model.SpecialTokens.PaddingId, model.Device);
            chosen = Choose(model.Forward(ids, mask, cache, lastPositionLogits: true, RowsSteering(joining)), joining);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            foreach (var request in joining) request.Fail(error);
            return;
        }
        var continuing = Enumerable.Range(0, joining.Count).Where(row => joining[row].Accept(chosen[row])).ToList();
        // Rows first: should the merge fail, the scheduler fails every running request, these included.
        _rows.AddRange(continuing.Select(row => joining[row]));
        cache.KeepRows(continuing.Select(row => (long)row).ToList());
        _cache.Append(cache);
    }

    /// <summary>One decode step: every running request's last token in, its next token out; finished requests leave.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long[] chosen;
        try
        {
            var ids = tensor(_rows.Select(r => r.NextInput).ToArray(), new long[] { _rows.Count, 1 }, ScalarType.Int64, model.Device);
            chosen = Choose(model.Forward(ids, null, _cache, lastPositionLogits: true, RowsSteering(_rows)), _rows);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            FailAll(error);
            return;
        }
        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _rowsDecoded, _rows.Count);
        var row = 0;
        Keep(request => request.Accept(chosen[row++]));
    }

    /// <summary>Removes requests whose caller cancelled or stopped reading.</summary>
    public void DropCancelled() => Keep(request =>
    {
        if (!request.Cancellation.IsCancellationRequested) return true;
        request.Drop();
        return false;
    });

    /// <summary>Ends every running request with <paramref name="error"/> and empties the cache.</summary>
    public void FailAll(Exception error)
    {
        foreach (var request in _rows) request.Fail(error);
        _rows = new List<ScheduledRequest>();
        _cache.KeepRows(Array.Empty<long>());
    }

    /// <summary>Frees the cache.</summary>
    public void Dispose() => _cache.Dispose();

    /// <summary>Keeps the requests <paramref name="stays"/> accepts (called once per row, in order) and their cache rows.</summary>
    private void Keep(Func<ScheduledRequest, bool> stays)
    {
        var kept = new List<long>();
        for (var row = 0; row < _rows.Count; row++)
            if (stays(_rows[row])) kept.Add(row);
        if (kept.Count == _rows.Count) return;
        _rows = kept.Select(row => _rows[(int)row]).ToList();
        _cache.KeepRows(kept);
    }

    /// <summary>This pass's per-row steering: row r steered by its request's session (null when no row is steered).</summary>
    private RowSteering? RowsSteering(IReadOnlyList<ScheduledRequest> rows) =>
        rows.Any(r => r.Steering is not null) ? new RowSteering(model.Hooks, rows.Select(r => r.Steering).ToList()) : null;

    /// <summary>
    /// Each row's next token from its last logits: greedy rows from one argmax over the batch, sampling rows each by
    /// its own sampler on its own row (what it would draw alone).
    /// </summary>
    private static long[] Choose(Tensor logits, IReadOnlyList<ScheduledRequest> rows)
    {
        var last = logits[.., -1];
        var chosen = last.argmax(-1).cpu().data<long>().ToArray();
        for (var row = 0; row < rows.Count; row++)
            if (rows[row].Samples) chosen[row] = rows[row].Sample(last.narrow(0, row, 1)).item<long>();
        return chosen;
    }
}
