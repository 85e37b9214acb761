using Steering.Activations;

namespace Steering.Vectors;

/// <summary>
/// Two prompts that differ in the behaviour to steer: "Love" and "Hate", or one question with the answer that shows it
/// and the answer that does not (chat form, <see cref="PromptInput.Chat"/>).
/// </summary>
/// <param name="Positive">The prompt the vector points towards.</param>
/// <param name="Negative">The prompt the vector points away from.</param>
public sealed record ContrastPair(PromptInput Positive, PromptInput Negative)
{
    /// <summary>A pair of plain prompts.</summary>
    public static implicit operator ContrastPair((string Positive, string Negative) pair) => new(pair.Positive, pair.Negative);
}
