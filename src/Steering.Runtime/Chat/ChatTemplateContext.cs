using System;
using System.Collections.Generic;
using System.Text.Json;
using Steering.Checkpoints;

namespace Steering.Chat;

/// <summary>
/// What a chat template sees besides the messages: the special tokens (<c>bos_token</c>, <c>eos_token</c>), extra
/// variables such as <c>enable_thinking</c>, <c>tools</c> or <c>date_string</c> (Hugging Face's
/// <c>apply_chat_template(**kwargs)</c>), and the clock <c>strftime_now</c> reads.
/// </summary>
public sealed class ChatTemplateContext
{
    /// <summary>No special tokens, no extra variables, the system clock.</summary>
    public static ChatTemplateContext Empty { get; } = new();

    /// <summary>The text of the beginning-of-sequence token; null leaves <c>bos_token</c> undefined (Qwen has none).</summary>
    public string? BosToken { get; init; }

    /// <summary>The text of the end-of-sequence token; null leaves <c>eos_token</c> undefined.</summary>
    public string? EosToken { get; init; }

    /// <summary>Extra template variables by name (they override <c>tools</c>/<c>documents</c>, which default to none).</summary>
    public IReadOnlyDictionary<string, JsonElement> Variables { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The clock behind <c>strftime_now</c> (local time, as Hugging Face's <c>datetime.now()</c>); inject one for tests.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// The special tokens a tokenizer_config.json names, as transformers passes them to the template: <c>bos_token</c>,
    /// <c>eos_token</c> and, as variables, <c>unk_token</c>, <c>pad_token</c>, <c>sep_token</c>, <c>cls_token</c>,
    /// <c>mask_token</c> (each a string or an object with <c>content</c>). Throws <see cref="CheckpointException"/>
    /// naming the file when it cannot be read.
    /// </summary>
    public static ChatTemplateContext FromTokenizerConfig(string path)
    {
        using var document = TokenizerConfigFile.Read(path);
        var root = document.RootElement;
        var variables = new Dictionary<string, JsonElement>();
        foreach (var name in OtherSpecialTokens)
            if (TokenText(root, name, path) is { } text)
                variables[name] = JsonSerializer.SerializeToElement(text);
        return new ChatTemplateContext
        {
            BosToken = TokenText(root, "bos_token", path),
            EosToken = TokenText(root, "eos_token", path),
            Variables = variables,
        };
    }

    private static readonly string[] OtherSpecialTokens = ["unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

    private static string? TokenText(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var token))
            return null;
        return token.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => token.GetString(),
            JsonValueKind.Object when token.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => throw new CheckpointException(path, $"'{name}' must be a string or an object with a string 'content'"),
        };
    }
}
