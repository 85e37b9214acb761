using System;
using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Steering.Generation;

namespace Steering.Server.OpenAi;

/// <summary>
/// The JSON the server answers with, in OpenAI's shapes: completions and chat completions (whole or as stream
/// chunks), the model list, errors.
/// </summary>
internal sealed class ApiResponses(ApiEndpoint endpoint, string modelName)
{
    private readonly string _id = (endpoint == ApiEndpoint.ChatCompletions ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A whole completion: the text, why it stopped, the token counts.</summary>
    public byte[] Completion(string text, StopReason reason, int promptTokens, int completionTokens) => Json(writer =>
    {
        Header(writer, endpoint == ApiEndpoint.ChatCompletions ? "chat.completion" : "text_completion");
        Choices(writer, text, reason, delta: false, first: false);
        Usage(writer, promptTokens, completionTokens);
        writer.WriteEndObject();
    });

    /// <summary>
    /// One stream chunk: a piece of text, and on the last one the finish reason. A chat stream's first chunk also
    /// carries the role (<paramref name="first"/>), as OpenAI's does.
    /// </summary>
    public byte[] Chunk(string text, StopReason? reason, bool first = false) => Json(writer =>
    {
        Header(writer, endpoint == ApiEndpoint.ChatCompletions ? "chat.completion.chunk" : "text_completion");
        Choices(writer, text, reason, delta: true, first);
        writer.WriteEndObject();
    });

    /// <summary>The stream's usage chunk (<c>stream_options.include_usage</c>): no choices, the token counts.</summary>
    public byte[] UsageChunk(int promptTokens, int completionTokens) => Json(writer =>
    {
        Header(writer, endpoint == ApiEndpoint.ChatCompletions ? "chat.completion.chunk" : "text_completion");
        writer.WriteStartArray("choices");
        writer.WriteEndArray();
        Usage(writer, promptTokens, completionTokens);
        writer.WriteEndObject();
    });

    /// <summary><c>/v1/models</c>: the one model served.</summary>
    public static byte[] Models(string modelName, long created) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        writer.WriteStartObject();
        writer.WriteString("id", modelName);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", created);
        writer.WriteString("owned_by", "steering");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    /// <summary>An error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    public static byte[] Error(ApiException error) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", error.Type);
        if (error.Param is null) writer.WriteNull("param");
        else writer.WriteString("param", error.Param);
        if (error.Code is null) writer.WriteNull("code");
        else writer.WriteString("code", error.Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    });

    /// <summary>OpenAI's finish reasons: a stop token or a stop sequence is "stop", the token limit "length".</summary>
    public static string FinishReason(StopReason reason) => reason == StopReason.MaxNewTokens ? "length" : "stop";

    private void Header(Utf8JsonWriter writer, string kind)
    {
        writer.WriteStartObject();
        writer.WriteString("id", _id);
        writer.WriteString("object", kind);
        writer.WriteNumber("created", _created);
        writer.WriteString("model", modelName);
    }

    /// <summary>
    /// The one choice: a chat message (whole) or delta (streamed: the role on the first, content when there is some),
    /// or a completion's text; and its finish reason (null until the end).
    /// </summary>
    private void Choices(Utf8JsonWriter writer, string text, StopReason? reason, bool delta, bool first)
    {
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        if (endpoint == ApiEndpoint.ChatCompletions)
        {
            writer.WriteStartObject(delta ? "delta" : "message");
            if (!delta || first) writer.WriteString("role", "assistant");
            if (!delta || first || text.Length > 0) writer.WriteString("content", text);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("text", text);
            writer.WriteNull("logprobs");
        }
        if (reason is StopReason stop) writer.WriteString("finish_reason", FinishReason(stop));
        else writer.WriteNull("finish_reason");
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static void Usage(Utf8JsonWriter writer, int promptTokens, int completionTokens)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", promptTokens);
        writer.WriteNumber("completion_tokens", completionTokens);
        writer.WriteNumber("total_tokens", promptTokens + completionTokens);
        writer.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping: an API body, never embedded in HTML, so apostrophes and non-ASCII text stay readable.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })) write(writer);
        return buffer.WrittenSpan.ToArray();
    }
}
