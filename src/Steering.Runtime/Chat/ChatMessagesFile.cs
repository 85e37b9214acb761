using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Steering.Chat;

/// <summary>
/// Reads a conversation from a JSON file: a list of <c>{"role": ..., "content": ...}</c> where content is a string, a
/// list of <c>{"type", "text"}</c> parts or null, and any other fields are kept for the template. Every problem is a
/// <see cref="SteeringException"/> naming the file, line and column.
/// </summary>
public static class ChatMessagesFile
{
    /// <summary>The messages of the file at <paramref name="path"/>.</summary>
    public static IReadOnlyList<ChatMessage> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SteeringException($"{path}: cannot read the messages file: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>The messages of JSON text; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<ChatMessage> Parse(ReadOnlySpan<byte> json, string source)
    {
        if (json.StartsWith(Encoding.UTF8.Preamble))
            json = json[Encoding.UTF8.Preamble.Length..];
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        var messages = new List<ChatMessage>();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                throw Error(source, json, reader.TokenStartIndex, "expected a JSON list of messages [{\"role\": ..., \"content\": ...}, ...]");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = reader.TokenStartIndex;
                using var element = JsonDocument.ParseValue(ref reader);
                messages.Add(ToMessage(element.RootElement, messages.Count + 1, source, json, start));
            }
            if (reader.Read())
                throw Error(source, json, reader.TokenStartIndex, "unexpected content after the list of messages");
        }
        catch (JsonException e)
        {
            var column = CharacterColumn(json, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            throw new SteeringException($"{source} line {e.LineNumber + 1}, column {column}: not valid JSON: {FirstSentence(e.Message)}", e);
        }
        return messages;
    }

    private static ChatMessage ToMessage(JsonElement element, int number, string source, ReadOnlySpan<byte> json, long start)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Error(source, json, start, $"message {number} must be an object with \"role\" and \"content\"");
        if (!element.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            throw Error(source, json, start, $"message {number} needs a string \"role\"");
        var fields = new Dictionary<string, JsonElement>();
        foreach (var property in element.EnumerateObject())
            if (property.Name is not ("role" or "content"))
                fields[property.Name] = property.Value.Clone();
        if (!element.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            return new ChatMessage(role.GetString()!, (string?)null, fields);
        if (content.ValueKind == JsonValueKind.String)
            return new ChatMessage(role.GetString()!, content.GetString(), fields);
        if (content.ValueKind != JsonValueKind.Array)
            throw Error(source, json, start, $"message {number}: \"content\" must be a string, a list of parts or null");
        var parts = new List<ChatContentPart>();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw Error(source, json, start, $"message {number}: every content part must be an object with a string \"type\"");
            string? text = null;
            if (part.TryGetProperty("text", out var textElement))
                text = textElement.ValueKind == JsonValueKind.String ? textElement.GetString()
                    : throw Error(source, json, start, $"message {number}: a part's \"text\" must be a string");
            parts.Add(new ChatContentPart(type.GetString()!, text));
        }
        return new ChatMessage(role.GetString()!, parts, fields);
    }

    private static SteeringException Error(string source, ReadOnlySpan<byte> json, long offset, string problem)
    {
        var (line, column) = LineAndColumn(json, (int)Math.Min(offset, json.Length));
        return new SteeringException($"{source} line {line}, column {column}: {problem}");
    }

    /// <summary>The 1-based line and column (in characters) of a byte offset.</summary>
    private static (int Line, int Column) LineAndColumn(ReadOnlySpan<byte> json, int offset)
    {
        var before = json[..offset];
        var lastNewline = before.LastIndexOf((byte)'\n');
        var line = before.Count((byte)'\n') + 1;
        var column = Encoding.UTF8.GetCharCount(before[(lastNewline + 1)..]) + 1;
        return (line, column);
    }

    /// <summary>The 1-based column, in characters, of a byte position within a 0-based line (as JsonException reports them).</summary>
    private static long CharacterColumn(ReadOnlySpan<byte> json, long line, long bytePosition)
    {
        var lineStart = 0;
        for (long n = 0; n < line; n++)
        {
            var next = json[lineStart..].IndexOf((byte)'\n');
            if (next < 0)
                return bytePosition + 1;
            lineStart += next + 1;
        }
        var end = (int)Math.Min(json.Length, lineStart + bytePosition);
        return Encoding.UTF8.GetCharCount(json[lineStart..end]) + 1;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ') + ".";
    }
}
