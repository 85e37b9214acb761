using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Steering.Chat;
using Steering.Checkpoints;

namespace Steering.Tokenization;

public sealed partial class TextTokenizer
{
    /// <summary>The special tokens a template sees as variables besides <c>bos_token</c> and <c>eos_token</c>.</summary>
    private static readonly string[] TemplateVariableTokens = ["unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

    /// <summary>Parsed templates by name, each parsed on first use.</summary>
    private readonly ConcurrentDictionary<string, ChatTemplate> _parsedTemplates = new(StringComparer.Ordinal);

    /// <summary>
    /// What transformers' <c>apply_chat_template</c> gives a template besides the messages: <c>bos_token</c> and
    /// <c>eos_token</c>, and <c>unk_token</c>, <c>pad_token</c>, <c>sep_token</c>, <c>cls_token</c>, <c>mask_token</c> as
    /// variables, each where the files name it (texts, as in its <c>special_tokens_map</c>).
    /// </summary>
    public ChatTemplateContext ChatContext { get; }

    /// <summary>
    /// The chat template named <paramref name="name"/>, or the default one (the only template, or the one named
    /// <c>default</c>) when null; parsed once, then cached.
    /// </summary>
    /// <exception cref="CheckpointException">The files have no chat template, or none by that name (the message lists the names).</exception>
    /// <exception cref="TemplateException">The template uses a construct the interpreter lacks, or is malformed (with its line).</exception>
    public ChatTemplate GetChatTemplate(string? name = null) =>
        _parsedTemplates.GetOrAdd(name ?? ChatTemplate.DefaultName,
            (_, wanted) => ChatTemplate.FromTemplates(ChatTemplates, wanted, _folder ?? "the shipped GPT-2 tokenizer"), name);

    /// <summary>
    /// Renders a conversation with the chat template, as transformers' <c>apply_chat_template(messages,
    /// tokenize=False)</c>. <paramref name="addGenerationPrompt"/> appends the header that starts the assistant's reply;
    /// <paramref name="variables"/> are extra template variables (<c>enable_thinking</c>, <c>tools</c>, …), which
    /// override the special-token variables of <see cref="ChatContext"/> as keyword arguments do in transformers.
    /// </summary>
    /// <exception cref="CheckpointException">No chat template (by that name).</exception>
    /// <exception cref="TemplateException">The template rejects the messages (its own <c>raise_exception</c> text) or cannot be parsed.</exception>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, string? templateName = null,
        IReadOnlyDictionary<string, JsonElement>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var context = ChatContext;
        if (variables is { Count: > 0 })
        {
            var merged = new Dictionary<string, JsonElement>(ChatContext.Variables, StringComparer.Ordinal);
            foreach (var (key, value) in variables) merged[key] = value;
            context = new ChatTemplateContext { BosToken = ChatContext.BosToken, EosToken = ChatContext.EosToken, Variables = merged };
        }
        return GetChatTemplate(templateName).Render(messages, addGenerationPrompt, context);
    }

    /// <summary>
    /// The token ids of a conversation, as transformers' <c>apply_chat_template(messages, tokenize=True)</c>: the
    /// rendered text encoded without adding special tokens (the template writes them, BOS included).
    /// </summary>
    /// <exception cref="CheckpointException">No chat template (by that name).</exception>
    /// <exception cref="TemplateException">The template rejects the messages or cannot be parsed.</exception>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, string? templateName = null,
        IReadOnlyDictionary<string, JsonElement>? variables = null) =>
        Encode(ApplyChatTemplate(messages, addGenerationPrompt, templateName, variables), addSpecialTokens: false);

    private static ChatTemplateContext CreateChatContext(IReadOnlyDictionary<string, string> specialTexts) => new()
    {
        BosToken = specialTexts.GetValueOrDefault("bos_token"),
        EosToken = specialTexts.GetValueOrDefault("eos_token"),
        Variables = TemplateVariableTokens.Where(specialTexts.ContainsKey)
            .ToDictionary(key => key, key => JsonSerializer.SerializeToElement(specialTexts[key]), StringComparer.Ordinal),
    };
}
