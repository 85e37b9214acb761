using System.Collections.Generic;
using Steering.Editing;

namespace Steering.Generation;

/// <summary>How to continue prompts: how far, greedy or sampled, and when to stop.</summary>
public sealed record GenerationOptions
{
    /// <summary>The most tokens to add to each prompt (default 20).</summary>
    public int MaxNewTokens { get; init; } = 20;

    /// <summary>Sample from the distribution (true) or always take the most likely token (false, the default).</summary>
    public bool Sample { get; init; }

    /// <summary>Sampling temperature (default 1): logits are divided by it before the softmax.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>When sampling, keep only the K most likely tokens.</summary>
    public int? TopK { get; init; }

    /// <summary>When sampling, keep the fewest most likely tokens whose probability reaches P (nucleus sampling).</summary>
    public double? TopP { get; init; }

    /// <summary>The sampling seed: the same seed gives the same text. A fixed default (0) keeps runs reproducible.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Tokens that end a sequence (not included in its text). When null: every EOS the model's files name, or the
    /// tokenizer's EOS when they name none.
    /// </summary>
    public IReadOnlyList<int>? StopTokens { get; init; }

    /// <summary>
    /// Steering for this call only (null: none): every prompt is steered by its own session of the spec, so CAST is
    /// decided per prompt, and concurrent calls on the same model never see each other's steering.
    /// </summary>
    public SteeringSpec? Steering { get; init; }

    /// <summary>Greedy decoding of up to <paramref name="maxNewTokens"/> tokens.</summary>
    public static GenerationOptions Greedy(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens };
}
