using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using Steering.Editing;
using Steering.Generation;
using Steering.Hooks;
using Steering.Tokenization;

namespace Steering.Serving;

/// <summary>
/// A request inside the scheduler: its stop rules, its own sampler (so a seeded draw is the one it would get alone),
/// its own steering session (which follows it from row to row as the batch changes), what it has produced, and the
/// channel its chunks go to. Only the scheduler's thread calls its methods, except
/// <see cref="Reader"/> and <see cref="Abandon"/>, which belong to the caller.
/// </summary>
internal sealed class ScheduledRequest : IDisposable
{
    private readonly Channel<GenerationChunk> _chunks =
        Channel.CreateUnbounded<GenerationChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cancel;
    private readonly HashSet<int> _stopTokens;
    private readonly StreamingText _text;
    private TokenSampler? _sampler;
    private int _produced;

    public ScheduledRequest(GenerationRequest request, IReadOnlyList<int> defaultStopTokens, TextTokenizer? tokenizer, CancellationToken cancellationToken)
    {
        Request = request;
        _stopTokens = (request.Options.StopTokens ?? defaultStopTokens).ToHashSet();
        _text = new StreamingText(tokenizer, request.StopSequences);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Cancellation = _cancel.Token;
    }

    public GenerationRequest Request { get; }

    /// <summary>Cancelled by the caller's token or when the caller stops reading.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The token to feed in the next decode step (the last one produced).</summary>
    public long NextInput { get; private set; }

    /// <summary>True when the request samples (its own seeded generator); false for greedy.</summary>
    public bool Samples => _sampler?.Samples ?? false;

    /// <summary>The caller's end of the chunk stream.</summary>
    public ChannelReader<GenerationChunk> Reader => _chunks.Reader;

    /// <summary>The request's own steering (its spec and per-request state such as CAST decisions); null when unsteered.</summary>
    public SteeringSession? Steering { get; private set; }

    /// <summary>
    /// Called when the request joins: makes its sampler and its steering session. Returns false (and completes it) when
    /// it asks for no tokens.
    /// </summary>
    /// <exception cref="SteeringException">The steering spec does not fit the model.</exception>
    public bool Start(HookPointCollection points)
    {
        if (Request.Options.MaxNewTokens == 0)
        {
            Finish(null, "", StopReason.MaxNewTokens);
            return false;
        }
        if (Request.Options.Steering is { IsEmpty: false } spec) Steering = new SteeringSession(spec, points);
        _sampler = new TokenSampler(Request.Options);
        return true;
    }

    /// <summary>The request's own choice from its last logits [1, d_vocab] (sampling requests only).</summary>
    public TorchSharp.torch.Tensor Sample(TorchSharp.torch.Tensor logits) => _sampler!.Next(logits);

    /// <summary>Takes the token chosen for this request; returns whether it continues.</summary>
    public bool Accept(long chosen)
    {
        var token = (int)chosen;
        if (_stopTokens.Contains(token))
        {
            Finish(null, _text.Flush(), StopReason.StopToken);
            return false;
        }
        _produced++;
        var text = _text.Add(token, out var stopped);
        if (stopped)
        {
            Finish(token, text, StopReason.StopSequence);
            return false;
        }
        if (_produced >= Request.Options.MaxNewTokens)
        {
            Finish(token, text + _text.Flush(), StopReason.MaxNewTokens);
            return false;
        }
        _chunks.Writer.TryWrite(new GenerationChunk(token, text, null));
        NextInput = token;
        return true;
    }

    /// <summary>Ends the request with an error the caller sees when reading.</summary>
    public void Fail(Exception error)
    {
        _chunks.Writer.TryComplete(error);
        DisposeSampler();
    }

    /// <summary>Ends a request nobody reads any more (cancelled or abandoned).</summary>
    public void Drop()
    {
        _chunks.Writer.TryComplete(new OperationCanceledException(Cancellation));
        DisposeSampler();
    }

    /// <summary>The caller stopped reading: the scheduler drops the request at its next step.</summary>
    public void Abandon() => _cancel.Cancel();

    /// <summary>Releases the caller's link to its cancellation token (the caller disposes, after it stops reading).</summary>
    public void Dispose() => _cancel.Dispose();

    private void Finish(int? token, string text, StopReason reason)
    {
        _chunks.Writer.TryWrite(new GenerationChunk(token, text, reason));
        _chunks.Writer.TryComplete();
        DisposeSampler();
    }

    private void DisposeSampler()
    {
        _sampler?.Dispose();
        _sampler = null;
    }
}
