using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Steering.Generation;
using Steering.Serving;
using TemplateMessage = Steering.Chat.ChatMessage;

namespace Steering.Extensions.AI;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="IChatClient"/> over a model: messages are rendered with the model's chat
/// template (as transformers' <c>apply_chat_template</c>), calls from any number of threads are batched by a
/// <see cref="GenerationScheduler"/>, and each response reports its usage (prompt and reply tokens) and finish reason
/// (<see cref="ChatFinishReason.Stop"/> at an EOS token or a stop sequence, <see cref="ChatFinishReason.Length"/> at
/// the token limit).
/// </summary>
/// <remarks>
/// <see cref="ChatOptions"/>: <c>Temperature</c> null or 0 is greedy (the same reply every time), above 0 samples;
/// <c>TopP</c>, <c>TopK</c>, <c>Seed</c> (a sampled reply without one is a fresh draw), <c>MaxOutputTokens</c> (default:
/// the rest of the context), <c>StopSequences</c>; steering for one call with
/// <see cref="SteeringChatOptions.WithSteering"/>. Tools and response formats are not supported.
/// </remarks>
public sealed class SteeringChatClient : IChatClient
{
    private readonly GenerationScheduler _scheduler;
    private readonly bool _ownsScheduler;
    private readonly SteeringChatClientOptions _options;

    /// <summary>A client over a scheduler shared with others (it stays the caller's to dispose).</summary>
    public SteeringChatClient(GenerationScheduler scheduler, SteeringChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _options = options ?? new SteeringChatClientOptions();
    }

    /// <summary>A client with a scheduler of its own over <paramref name="model"/> (disposed with the client; the model is not).</summary>
    public SteeringChatClient(HookedTransformer model, SteeringChatClientOptions? options = null)
        : this(new GenerationScheduler(model), options) => _ownsScheduler = true;

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Request(messages, options);
        var result = await _scheduler.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ResponseId = NewId(),
            ModelId = _options.ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = FinishReason(result.StopReason),
            Usage = Usage(request.PromptIds.Count, result.NewIds.Count),
        };
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Request(messages, options);
        var responseId = NewId();
        var created = DateTimeOffset.UtcNow;
        var produced = 0;
        await foreach (var chunk in _scheduler.Stream(request, cancellationToken).ConfigureAwait(false))
        {
            if (chunk.TokenId is not null) produced++;
            if (chunk.Text.Length == 0 && chunk.StopReason is null) continue;
            var update = new ChatResponseUpdate(ChatRole.Assistant, chunk.Text)
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = _options.ModelId,
                CreatedAt = created,
            };
            if (chunk.StopReason is StopReason reason)
            {
                update.FinishReason = FinishReason(reason);
                update.Contents.Add(new UsageContent(Usage(request.PromptIds.Count, produced)));
            }
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return new ChatClientMetadata("steering", null, _options.ModelId);
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(_scheduler)) return _scheduler;
        if (serviceType.IsInstanceOfType(_scheduler.Model)) return _scheduler.Model;
        return null;
    }

    /// <summary>Stops the scheduler if the client made it.</summary>
    public void Dispose()
    {
        if (_ownsScheduler) _scheduler.Dispose();
    }

    /// <summary>The conversation's ids and the options, checked against the model.</summary>
    /// <exception cref="SteeringException">The template rejects the messages, or an option does not fit the model.</exception>
    private GenerationRequest Request(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = _scheduler.Model;
        var conversation = messages.Select(m => new TemplateMessage(m.Role.Value, m.Text)).ToList();
        var prompt = model.Tokenizer.EncodeChat(conversation, addGenerationPrompt: true, _options.ChatTemplateName);
        var sample = options?.Temperature is > 0;
        var generation = new GenerationOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? Math.Max(0, model.Dimensions.NCtx - prompt.Length),
            Sample = sample,
            Temperature = sample ? options!.Temperature!.Value : 1.0,
            TopP = options?.TopP,
            TopK = options?.TopK,
            Seed = options?.Seed ?? Random.Shared.NextInt64(),
            Steering = options.GetSteering(),
        };
        var request = new GenerationRequest(prompt, generation) { StopSequences = options?.StopSequences?.ToList() ?? [] };
        _scheduler.Validate(request);
        return request;
    }

    private static ChatFinishReason FinishReason(StopReason reason) =>
        reason == StopReason.MaxNewTokens ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private static UsageDetails Usage(int prompt, int reply) =>
        new() { InputTokenCount = prompt, OutputTokenCount = reply, TotalTokenCount = prompt + reply };

    private static string NewId() => "chatcmpl-" + Guid.NewGuid().ToString("N");
}
