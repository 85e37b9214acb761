using System;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Steering.Generation;
using Steering.Serving;

namespace Steering.Server.OpenAi;

/// <summary>
/// <c>POST /v1/completions</c> and <c>/v1/chat/completions</c>: read and check the request (a bad one is a 4xx with an
/// OpenAI error body before any generation), queue it on the scheduler, answer whole or as server-sent events. A
/// client that goes away cancels its request; everyone else's carry on.
/// </summary>
internal sealed class CompletionEndpoint(GenerationScheduler scheduler, string modelName, NamedVectors vectors, ApiEndpoint endpoint)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task Handle(HttpContext http)
    {
        var aborted = http.RequestAborted;
        ApiRequest request;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, default, aborted).ConfigureAwait(false);
            request = ApiRequest.Read(body.RootElement, endpoint, scheduler.Model, modelName, vectors);
            scheduler.Validate(request.Generation);
        }
        catch (JsonException e)
        {
            await WriteError(http, new ApiException($"the request body is not valid JSON: {e.Message}")).ConfigureAwait(false);
            return;
        }
        catch (ApiException e)
        {
            await WriteError(http, e).ConfigureAwait(false);
            return;
        }
        catch (SteeringException e)
        {
            await WriteError(http, new ApiException(e.Message)).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }

        var responses = new ApiResponses(endpoint, modelName);
        try
        {
            if (request.Stream) await Stream(http, request, responses, aborted).ConfigureAwait(false);
            else await Whole(http, request, responses, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: its request left the batch at the next step; nobody is left to answer.
        }
    }

    private async Task Whole(HttpContext http, ApiRequest request, ApiResponses responses, CancellationToken aborted)
    {
        GeneratedSequence result;
        try
        {
            result = await scheduler.GenerateAsync(request.Generation, aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await WriteError(http, Failed(e)).ConfigureAwait(false);
            return;
        }
        await WriteJson(http, StatusCodes.Status200OK, responses.Completion(result.Text, result.StopReason, result.PromptIds.Count, result.NewIds.Count), aborted)
            .ConfigureAwait(false);
    }

    private async Task Stream(HttpContext http, ApiRequest request, ApiResponses responses, CancellationToken aborted)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        if (endpoint == ApiEndpoint.ChatCompletions) await Event(http, responses.Chunk("", null, first: true), aborted).ConfigureAwait(false);
        var completionTokens = 0;
        try
        {
            await foreach (var chunk in scheduler.Stream(request.Generation, aborted).ConfigureAwait(false))
            {
                if (chunk.TokenId is not null) completionTokens++;
                if (chunk.Text.Length == 0 && chunk.StopReason is null) continue;
                await Event(http, responses.Chunk(chunk.Text, chunk.StopReason), aborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The status line is sent: the error goes into the stream, which then ends without [DONE].
            await Event(http, ApiResponses.Error(Failed(e)), aborted).ConfigureAwait(false);
            return;
        }
        if (request.IncludeUsage)
            await Event(http, responses.UsageChunk(request.Generation.PromptIds.Count, completionTokens), aborted).ConfigureAwait(false);
        await http.Response.Body.WriteAsync(Done, aborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
    }

    /// <summary>A generation that failed while running (a hook threw, the scheduler stopped): a server error.</summary>
    private static ApiException Failed(Exception e) =>
        new(e is SteeringException ? e.Message : $"generation failed: {e.Message}", status: e is SteeringException ? 400 : 500);

    private static async Task Event(HttpContext http, byte[] json, CancellationToken aborted)
    {
        await http.Response.Body.WriteAsync(DataPrefix, aborted).ConfigureAwait(false);
        await http.Response.Body.WriteAsync(json, aborted).ConfigureAwait(false);
        await http.Response.Body.WriteAsync(EventEnd, aborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
    }

    /// <summary>Writes an OpenAI error body with its status (a no-op once the response has started).</summary>
    internal static Task WriteError(HttpContext http, ApiException error) =>
        http.Response.HasStarted ? Task.CompletedTask : WriteJson(http, error.Status, ApiResponses.Error(error), http.RequestAborted);

    internal static async Task WriteJson(HttpContext http, int status, byte[] json, CancellationToken aborted)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, aborted).ConfigureAwait(false);
    }
}
