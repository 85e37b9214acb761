using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Chat;
using Steering.Tokenization;

namespace Steering.Activations;

/// <summary>
/// A prompt to run: plain text, or a conversation with the assistant's answer (rendered with the model's chat template,
/// so the answer's tokens can be found). Tokenized against a model's tokenizer by <see cref="Tokenize"/>.
/// </summary>
public sealed record PromptInput
{
    private PromptInput(string? text, IReadOnlyList<ChatMessage>? messages, string? answer)
    {
        Text = text;
        Messages = messages;
        Answer = answer;
    }

    /// <summary>The text of a plain prompt; null for a conversation.</summary>
    public string? Text { get; }

    /// <summary>The conversation before the answer; null for a plain prompt.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; }

    /// <summary>The assistant's answer that follows <see cref="Messages"/>; null for a plain prompt.</summary>
    public string? Answer { get; }

    /// <summary>A plain prompt (tokenized as <c>tokenizer(text)</c>); all its tokens are its answer span.</summary>
    public static PromptInput Plain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new PromptInput(text, null, null);
    }

    /// <summary>
    /// A conversation and the assistant's answer to it: the tokens are the chat template's rendering of the conversation
    /// with the answer as the last assistant turn, up to the answer's last token (what follows it — an end-of-turn token —
    /// is left out, so the last token is the answer's own, e.g. the "A" of an A/B answer).
    /// </summary>
    public static PromptInput Chat(IReadOnlyList<ChatMessage> messages, string answer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(answer);
        if (messages.Count == 0) throw new SteeringException("a chat prompt needs at least one message before the answer");
        return new PromptInput(null, messages.ToArray(), answer);
    }

    /// <summary>A plain prompt.</summary>
    public static implicit operator PromptInput(string text) => Plain(text);

    /// <summary>The prompt's token ids and the span of its answer.</summary>
    /// <exception cref="SteeringException">Empty text, no chat template, or a template whose rendering does not keep the answer apart.</exception>
    public TokenizedPrompt Tokenize(TextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (Messages is null)
        {
            var ids = tokenizer.Encode(Text!);
            if (ids.Length == 0) throw new SteeringException($"the prompt '{Text}' has no tokens");
            return new TokenizedPrompt(ids, 0, ids.Length);
        }
        // The answer's span: the rendering of the conversation with a generation prompt is a prefix of the rendering with
        // the answer, and the answer's text follows that prefix; tokens are counted by encoding the text up to each end.
        var prefix = tokenizer.ApplyChatTemplate(Messages, addGenerationPrompt: true);
        var full = tokenizer.ApplyChatTemplate(Messages.Append(ChatMessage.Assistant(Answer!)).ToList(), addGenerationPrompt: false);
        var answerAt = full.StartsWith(prefix, StringComparison.Ordinal) ? full.IndexOf(Answer!, prefix.Length, StringComparison.Ordinal) : -1;
        if (answerAt < 0)
            throw new SteeringException($"the chat template does not render the answer '{Answer}' after the conversation's generation prompt; the answer's tokens cannot be found");
        var before = tokenizer.Encode(full[..answerAt], addSpecialTokens: false);
        var through = tokenizer.Encode(full[..(answerAt + Answer!.Length)], addSpecialTokens: false);
        if (through.Length <= before.Length || !through.AsSpan(0, before.Length).SequenceEqual(before))
            throw new SteeringException($"the answer '{Answer}' does not tokenize apart from the text before it; start it with a space or a new line");
        return new TokenizedPrompt(through, before.Length, through.Length);
    }

    /// <summary>The text, or the conversation's last message and the answer.</summary>
    public override string ToString() => Messages is null ? Text! : $"{Messages[^1].Content} → {Answer}";
}

/// <summary>A prompt's token ids and the span [<paramref name="AnswerStart"/>, <paramref name="AnswerEnd"/>) of its answer (all tokens for a plain prompt).</summary>
/// <param name="Ids">The token ids.</param>
/// <param name="AnswerStart">The first token of the answer.</param>
/// <param name="AnswerEnd">One past the answer's last token.</param>
public sealed record TokenizedPrompt(IReadOnlyList<int> Ids, int AnswerStart, int AnswerEnd);
