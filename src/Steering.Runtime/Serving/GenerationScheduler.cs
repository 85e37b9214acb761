using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Steering.Generation;

namespace Steering.Serving;

/// <summary>
/// Generation for many concurrent callers on one model, batched into shared forward passes (continuous batching).
/// Requests join the running batch between decode steps — each new request's prompt is prefilled (new requests
/// together, left-padded), then its KV cache rows are merged into the batch's, aligned by left padding — and leave it
/// as they finish or are cancelled, their cache rows dropped. Every request keeps its own options (length, greedy or
/// seeded sampling, stop tokens and stop sequences) and its own steering (<see cref="GenerationOptions.Steering"/>: a
/// pass applies each row's spec to that row only), and its output is the one
/// <see cref="HookedTransformer.Generate(IReadOnlyList{IReadOnlyList{int}}, GenerationOptions?)"/> gives for its prompt
/// alone: padding is masked, each sequence keeps its own positions, and a sampling request draws from its own seeded
/// generator.
/// </summary>
/// <remarks>
/// One thread of the scheduler's own runs every forward pass, so the model is used by one thread at a time; do not
/// run other passes on the same model while the scheduler is busy. Hooks installed on the model (scopes) apply to every
/// request. Each pass runs in a dispose scope; the KV cache is the only tensor state that outlives a pass, and it holds
/// exactly the running requests' rows.
/// </remarks>
public sealed class GenerationScheduler : IDisposable
{
    private readonly HookedTransformer _model;
    private readonly GenerationSchedulerOptions _options;
    private readonly ConcurrentQueue<ScheduledRequest> _queue = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;
    private readonly BatchState _batch;
    private int _disposed;
    private long _liveTensors;
    private bool _idle;

    /// <summary>Starts a scheduler for <paramref name="model"/> (which stays the caller's to dispose, after the scheduler).</summary>
    public GenerationScheduler(HookedTransformer model, GenerationSchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new GenerationSchedulerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxBatchSize, nameof(options));
        _batch = new BatchState(model);
        _thread = new Thread(Run) { IsBackground = true, Name = "Steering generation scheduler" };
        _thread.Start();
    }

    /// <summary>The model the scheduler runs.</summary>
    public HookedTransformer Model => _model;

    /// <summary>How many requests are in the running batch right now (for monitoring).</summary>
    public int RunningCount => _batch.Count;

    /// <summary>How many requests wait to join (for monitoring).</summary>
    public int QueuedCount => _queue.Count;

    /// <summary>Tensors alive on the scheduler's thread when it last ran out of work (tests: memory stays flat).</summary>
    internal long IdleLiveTensors => Interlocked.Read(ref _liveTensors);

    /// <summary>True while the scheduler waits for work (tests: wait for it to settle).</summary>
    internal bool IsIdle => Volatile.Read(ref _idle);

    /// <summary>Decode steps run and the rows they held in all (tests and benchmarks: the mean batch size).</summary>
    internal (long Steps, long Rows) Decoded => _batch.Decoded;

    /// <summary>Positions in the running batch's KV cache, padding included (tests: rows leave with their requests).</summary>
    internal int CachedPositions => _batch.CachedPositions;

    /// <summary>
    /// Streams a request's continuation, a chunk per decode step; the last chunk carries the stop reason. The request
    /// is checked now and queued when enumeration starts. Cancelling <paramref name="cancellationToken"/> (or the
    /// enumerator's) or leaving the enumeration early removes the request from the batch at the next step and frees its
    /// cache rows; the enumeration then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="SteeringException">The request does not fit the model: an empty prompt, an id outside the
    /// vocabulary, prompt plus new tokens longer than the context, bad sampling settings, a steering spec that does not
    /// fit the model, stop sequences without a tokenizer.</exception>
    public IAsyncEnumerable<GenerationChunk> Stream(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Chunks(request, cancellationToken);
    }

    /// <summary>Runs a request to its end: its prompt, new tokens, text and stop reason.</summary>
    /// <exception cref="SteeringException">The request does not fit the model (see <see cref="Stream"/>).</exception>
    /// <exception cref="OperationCanceledException">It was cancelled.</exception>
    public async Task<GeneratedSequence> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var ids = new List<int>();
        var text = new System.Text.StringBuilder();
        var reason = StopReason.MaxNewTokens;
        await foreach (var chunk in Stream(request, cancellationToken).ConfigureAwait(false))
        {
            if (chunk.TokenId is int id) ids.Add(id);
            text.Append(chunk.Text);
            if (chunk.StopReason is StopReason stop) reason = stop;
        }
        return new GeneratedSequence(request.PromptIds, ids, text.ToString(), reason);
    }

    /// <summary>Checks a request against the model without running it (what <see cref="Stream"/> checks).</summary>
    /// <exception cref="SteeringException">The request does not fit the model.</exception>
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Options);
        ArgumentNullException.ThrowIfNull(request.StopSequences);
        TokenBatch.Validate(new[] { request.PromptIds });
        TokenSampler.Validate(request.Options);
        request.Options.Steering?.Check(_model);
        var vocabulary = _model.Dimensions.DVocab;
        foreach (var id in request.PromptIds)
            if (id < 0 || id >= vocabulary)
                throw new SteeringException($"token id {id} is outside the vocabulary (0 to {vocabulary - 1})");
        var context = _model.Dimensions.NCtx;
        if ((long)request.PromptIds.Count + request.Options.MaxNewTokens > context)
            throw new SteeringException(
                $"the prompt has {request.PromptIds.Count} tokens and up to {request.Options.MaxNewTokens} new tokens are asked for; " +
                $"the model's context is {context} tokens");
        if (request.StopSequences.Any(string.IsNullOrEmpty))
            throw new SteeringException("a stop sequence is empty");
        if (request.StopSequences.Count > 0 && !_model.HasTokenizer)
            throw new SteeringException("stop sequences need the model's tokenizer, and this model has none");
    }

    /// <summary>Stops the scheduler: requests still running or queued end with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _thread.Join();
        _stopping.Dispose();
        _arrived.Dispose();
    }

    private async IAsyncEnumerable<GenerationChunk> Chunks(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var scheduled = new ScheduledRequest(request, _model.DefaultStopTokens(), _model.HasTokenizer ? _model.Tokenizer : null, cancellationToken);
        _queue.Enqueue(scheduled);
        if (Volatile.Read(ref _disposed) != 0) scheduled.Fail(new ObjectDisposedException(nameof(GenerationScheduler)));
        else _arrived.Release();
        try
        {
            await foreach (var chunk in scheduled.Reader.ReadAllAsync(scheduled.Cancellation).ConfigureAwait(false))
            {
                // Chunks already made when the caller cancelled are not handed out: the stream stops at once.
                scheduled.Cancellation.ThrowIfCancellationRequested();
                yield return chunk;
            }
        }
        finally
        {
            scheduled.Abandon();
        }
    }

    /// <summary>The scheduler's thread: admit waiting requests, run one decode step, repeat; sleep while there is nothing to do.</summary>
    private void Run()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _batch.DropCancelled();
                Admit();
                if (_batch.Count == 0)
                {
                    Interlocked.Exchange(ref _liveTensors, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                    Volatile.Write(ref _idle, true);
                    _arrived.Wait(token);
                    Volatile.Write(ref _idle, false);
                    continue;
                }
                _batch.Step();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // Between passes (rows leaving or joining the cache): the batch's state may be half-changed, so every
                // running request ends with the error; the scheduler itself goes on with the next requests.
                _batch.FailAll(error);
            }
        }
        var stopped = new ObjectDisposedException(nameof(GenerationScheduler));
        _batch.FailAll(stopped);
        while (_queue.TryDequeue(out var waiting)) waiting.Fail(stopped);
        _batch.Dispose();
    }

    /// <summary>Moves waiting requests into the batch while it has room (cancelled ones are dropped on the way).</summary>
    private void Admit()
    {
        var room = _options.MaxBatchSize - _batch.Count;
        var joining = new List<ScheduledRequest>();
        while (joining.Count < room && _queue.TryDequeue(out var request))
        {
            if (request.Cancellation.IsCancellationRequested) request.Drop();
            else if (Started(request)) joining.Add(request);
        }
        if (joining.Count > 0) _batch.Join(joining);
    }

    /// <summary>Starts a request that is about to join; false when it is already over (no tokens asked, or it failed).</summary>
    private bool Started(ScheduledRequest request)
    {
        try
        {
            return request.Start(_model.Hooks);
        }
        catch (SteeringException error)
        {
            request.Fail(error);
            return false;
        }
    }
}
