using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Steering.Chat;

/// <summary>
/// One message of a conversation, as a chat template sees it: <c>message.role</c>, <c>message.content</c> (a string, a
/// list of parts, or none) and any other fields (<c>reasoning_content</c>, <c>tool_calls</c>, <c>name</c>, ...).
/// </summary>
public sealed class ChatMessage
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoFields = new Dictionary<string, JsonElement>();

    /// <summary>A message with text content (or none, when <paramref name="content"/> is null).</summary>
    public ChatMessage(string role, string? content, IReadOnlyDictionary<string, JsonElement>? fields = null)
        : this(role, content, null, fields)
    {
    }

    /// <summary>A message whose content is a list of parts.</summary>
    public ChatMessage(string role, IReadOnlyList<ChatContentPart> parts, IReadOnlyDictionary<string, JsonElement>? fields = null)
        : this(role, null, parts ?? throw new ArgumentNullException(nameof(parts)), fields)
    {
    }

    private ChatMessage(string role, string? content, IReadOnlyList<ChatContentPart>? parts, IReadOnlyDictionary<string, JsonElement>? fields)
    {
        ArgumentNullException.ThrowIfNull(role);
        Role = role;
        Content = content;
        Parts = parts;
        Fields = fields ?? NoFields;
        foreach (var name in Fields.Keys)
            if (name is "role" or "content")
                throw new ArgumentException($"'{name}' is a message's own property, not an extra field", nameof(fields));
    }

    /// <summary>"system", "user", "assistant", "tool", ... (the template decides which it accepts).</summary>
    public string Role { get; }

    /// <summary>The text content; null when the content is <see cref="Parts"/> or absent.</summary>
    public string? Content { get; }

    /// <summary>The content as a list of parts, or null when it is text or absent.</summary>
    public IReadOnlyList<ChatContentPart>? Parts { get; }

    /// <summary>Fields besides role and content, passed to the template as they are.</summary>
    public IReadOnlyDictionary<string, JsonElement> Fields { get; }

    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new("user", content);

    /// <summary>An assistant message.</summary>
    public static ChatMessage Assistant(string content) => new("assistant", content);
}
