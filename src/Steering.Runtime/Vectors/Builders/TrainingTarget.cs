using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Chat;
using Steering.Tokenization;

namespace Steering.Vectors;

/// <summary>
/// A prompt and the completion a trained vector should make likely — and optionally a contrast completion it should
/// make unlikely. The prompt is plain text or a conversation (rendered with the chat template and its generation prompt).
/// </summary>
public sealed record TrainingTarget
{
    private TrainingTarget(string? text, IReadOnlyList<ChatMessage>? messages, string completion, string? contrast)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.Length == 0) throw new SteeringException("a training target needs a non-empty completion");
        if (contrast is { Length: 0 }) throw new SteeringException("a contrast completion, when given, must not be empty");
        Text = text;
        Messages = messages;
        Completion = completion;
        Contrast = contrast;
    }

    /// <summary>The plain prompt; null for a conversation.</summary>
    public string? Text { get; }

    /// <summary>The conversation; null for a plain prompt.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; }

    /// <summary>The completion to make likely (appended to the prompt's tokens as its own tokens).</summary>
    public string Completion { get; }

    /// <summary>The completion to make unlikely, if any.</summary>
    public string? Contrast { get; }

    /// <summary>A plain prompt and its completions.</summary>
    public static TrainingTarget Plain(string prompt, string completion, string? contrast = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return new TrainingTarget(prompt, null, completion, contrast);
    }

    /// <summary>A conversation (the reply follows its generation prompt) and the reply's completions.</summary>
    public static TrainingTarget Chat(IReadOnlyList<ChatMessage> messages, string completion, string? contrast = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new SteeringException("a chat training target needs at least one message");
        return new TrainingTarget(null, messages.ToArray(), completion, contrast);
    }

    /// <summary>The prompt's ids.</summary>
    internal int[] PromptIds(TextTokenizer tokenizer) =>
        Messages is null ? tokenizer.Encode(Text!) : tokenizer.EncodeChat(Messages, addGenerationPrompt: true);

    /// <summary>A completion's ids (no special tokens added).</summary>
    internal static int[] CompletionIds(TextTokenizer tokenizer, string completion)
    {
        var ids = tokenizer.Encode(completion, addSpecialTokens: false);
        return ids.Length > 0 ? ids : throw new SteeringException($"the completion '{completion}' has no tokens");
    }
}
