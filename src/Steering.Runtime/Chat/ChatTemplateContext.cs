using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Steering.Chat;

/// <summary>
/// What a chat template sees besides the messages: the special tokens (<c>bos_token</c>, <c>eos_token</c>), extra
/// variables such as <c>enable_thinking</c>, <c>tools</c> or <c>date_string</c> (Hugging Face's
/// <c>apply_chat_template(**kwargs)</c>), and the clock <c>strftime_now</c> reads. A tokenizer gives the one its files
/// define: <see cref="Tokenization.TextTokenizer.ChatContext"/>.
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
}
