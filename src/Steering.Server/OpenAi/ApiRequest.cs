using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Steering.Chat;
using Steering.Generation;
using Steering.Serving;

namespace Steering.Server.OpenAi;

/// <summary>Which endpoint a request came to.</summary>
internal enum ApiEndpoint
{
    /// <summary><c>/v1/completions</c>: a prompt, continued as it is (base models).</summary>
    Completions,

    /// <summary><c>/v1/chat/completions</c>: messages, rendered with the model's chat template.</summary>
    ChatCompletions,
}

/// <summary>A completion request read from its JSON body: what to generate, and how to answer.</summary>
/// <param name="Generation">The prompt's ids and the generation options, the request's own steering among them.</param>
/// <param name="Stream">Answer with server-sent events.</param>
/// <param name="IncludeUsage">When streaming, end with a chunk carrying the token counts (<c>stream_options.include_usage</c>).</param>
internal sealed record ApiRequest(GenerationRequest Generation, bool Stream, bool IncludeUsage)
{
    /// <summary>The most tokens a completion gets when <c>max_tokens</c> is not given (OpenAI's default for completions).</summary>
    public const int DefaultCompletionTokens = 16;

    /// <summary>Reads a request of <paramref name="endpoint"/> for the served model.</summary>
    /// <exception cref="ApiException">A field is missing, of the wrong type, or out of range; another model is named.</exception>
    /// <exception cref="SteeringException">The prompt cannot be tokenized, or the chat template rejects the messages.</exception>
    public static ApiRequest Read(JsonElement body, ApiEndpoint endpoint, HookedTransformer model, string modelName, NamedVectors vectors)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new ApiException("the request body must be a JSON object");
        var requested = JsonFields.Text(body, "model");
        if (requested is not null && requested != modelName)
            throw new ApiException($"The model '{requested}' does not exist; this server serves '{modelName}'", "model", 404, "model_not_found");
        if (JsonFields.Integer(body, "n") is long n && n != 1) throw new ApiException("only n = 1 is supported", "n");

        var prompt = endpoint == ApiEndpoint.ChatCompletions ? ChatPrompt(body, model) : CompletionPrompt(body, model);
        var maxTokens = JsonFields.Integer(body, "max_completion_tokens") ?? JsonFields.Integer(body, "max_tokens");
        if (maxTokens is < 1) throw new ApiException($"max_tokens is {maxTokens}; it must be at least 1", "max_tokens");
        var context = model.Dimensions.NCtx;
        if (prompt.Count >= context)
            throw new ApiException($"the prompt has {prompt.Count} tokens; the model's context is {context} tokens, which leaves no room for a reply", "messages", code: "context_length_exceeded");
        if (maxTokens > context - prompt.Count)
            throw new ApiException(
                $"max_tokens is {maxTokens}, and the prompt has {prompt.Count} tokens; the model's context is {context} tokens (at most {context - prompt.Count} new ones)",
                "max_tokens", code: "context_length_exceeded");
        var defaultTokens = endpoint == ApiEndpoint.Completions ? Math.Min(DefaultCompletionTokens, context - prompt.Count) : context - prompt.Count;

        var temperature = JsonFields.Number(body, "temperature") ?? 1.0;
        if (temperature < 0) throw new ApiException($"temperature is {temperature}; it must be 0 (greedy) or more", "temperature");
        var topP = JsonFields.Number(body, "top_p");
        if (topP is not null && !(topP > 0 && topP <= 1)) throw new ApiException($"top_p is {topP}; it must be in (0, 1]", "top_p");
        var topK = JsonFields.Integer(body, "top_k");
        var options = new GenerationOptions
        {
            MaxNewTokens = (int)(maxTokens ?? defaultTokens),
            Sample = temperature > 0,
            Temperature = temperature > 0 ? temperature : 1.0,
            TopP = topP,
            TopK = topK is > 0 ? (int)Math.Min(topK.Value, int.MaxValue) : null, // vLLM's convention: 0 or -1 turns top-k off
            // Without a seed a sampled reply is a fresh draw, as OpenAI's are; with one it is reproducible.
            Seed = JsonFields.Integer(body, "seed") ?? Random.Shared.NextInt64(),
            Steering = SteeringEntry.Spec(SteeringEntry.Read(body, vectors)),
        };
        var stream = JsonFields.Flag(body, "stream");
        var includeUsage = JsonFields.Get(body, "stream_options") is { ValueKind: JsonValueKind.Object } streamOptions
            && JsonFields.Flag(streamOptions, "include_usage");
        var generation = new GenerationRequest(prompt, options) { StopSequences = JsonFields.Texts(body, "stop") };
        return new ApiRequest(generation, stream, includeUsage);
    }

    /// <summary><c>prompt</c>: a string (tokenized as <c>steer generate --prompt</c> does), one string in a list, or token ids.</summary>
    private static IReadOnlyList<int> CompletionPrompt(JsonElement body, HookedTransformer model)
    {
        switch (JsonFields.Get(body, "prompt"))
        {
            case { ValueKind: JsonValueKind.String } text:
                return model.Tokenizer.Encode(text.GetString()!);
            case { ValueKind: JsonValueKind.Array } list when list.GetArrayLength() == 1 && list[0].ValueKind == JsonValueKind.String:
                return model.Tokenizer.Encode(list[0].GetString()!);
            case { ValueKind: JsonValueKind.Array } list when list.GetArrayLength() > 0 && list.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number):
                return list.EnumerateArray().Select(v => v.TryGetInt32(out var id) ? id : throw new ApiException("'prompt' token ids must be integers", "prompt")).ToList();
            case null:
                throw new ApiException("'prompt' is required", "prompt");
            default:
                throw new ApiException("'prompt' must be a string or a list of token ids (one prompt per request)", "prompt");
        }
    }

    /// <summary><c>messages</c> rendered with the model's chat template, as <c>steer generate --chat</c> does.</summary>
    private static int[] ChatPrompt(JsonElement body, HookedTransformer model)
    {
        var messages = JsonFields.Objects(body, "messages");
        if (messages.Count == 0) throw new ApiException("'messages' must list at least one message", "messages");
        return model.Tokenizer.EncodeChat(messages.Select(Message).ToList());
    }

    private static ChatMessage Message(JsonElement message)
    {
        var role = JsonFields.Text(message, "role") ?? throw new ApiException("every message needs a 'role'", "messages");
        var content = JsonFields.Get(message, "content") switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } text => text.GetString(),
            // Text parts, joined: the templates of text models expect a string.
            { ValueKind: JsonValueKind.Array } parts when parts.EnumerateArray().All(IsTextPart) =>
                string.Concat(parts.EnumerateArray().Select(p => p.GetProperty("text").GetString())),
            _ => throw new ApiException("a message's 'content' must be a string or a list of text parts", "messages"),
        };
        return new ChatMessage(role, content);
    }

    private static bool IsTextPart(JsonElement part) =>
        part.ValueKind == JsonValueKind.Object && JsonFields.Text(part, "type") == "text"
        && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String;
}
