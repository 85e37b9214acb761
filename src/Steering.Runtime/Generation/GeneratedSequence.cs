using System.Collections.Generic;

namespace Steering.Generation;

/// <summary>Why a sequence ended.</summary>
public enum StopReason
{
    /// <summary>It produced a stop token.</summary>
    StopToken,

    /// <summary>It reached the maximum number of new tokens.</summary>
    MaxNewTokens,

    /// <summary>Its text reached one of the request's stop sequences (served generation; the text ends before it).</summary>
    StopSequence,
}

/// <summary>A prompt and its continuation.</summary>
/// <param name="PromptIds">The prompt's tokens.</param>
/// <param name="NewIds">The generated tokens (a stop token not included).</param>
/// <param name="Text">The generated text (the prompt not included); empty when the model has no tokenizer.</param>
/// <param name="StopReason">Why generation ended.</param>
public sealed record GeneratedSequence(IReadOnlyList<int> PromptIds, IReadOnlyList<int> NewIds, string Text, StopReason StopReason);
