using System;
using System.Collections.Generic;
using Steering.Generation;

namespace Steering.Serving;

/// <summary>One request to a <see cref="GenerationScheduler"/>: a tokenized prompt and how to continue it.</summary>
/// <param name="PromptIds">The prompt's token ids (at least one).</param>
/// <param name="Options">
/// Length, greedy or seeded sampling, stop tokens — as for <see cref="HookedTransformer.Generate(IReadOnlyList{IReadOnlyList{int}}, GenerationOptions?)"/>,
/// and the request's output is the one that call gives for this prompt alone.
/// </param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, GenerationOptions Options)
{
    /// <summary>
    /// Texts that end the continuation when it produces one of them (OpenAI's <c>stop</c>): the text stops just before
    /// it and the request ends with <see cref="StopReason.StopSequence"/>. Needs the model's tokenizer.
    /// </summary>
    public IReadOnlyList<string> StopSequences { get; init; } = Array.Empty<string>();
}
