using System.Collections.Generic;
using Steering.Activations;

namespace Steering.Vectors;

/// <summary>
/// A pairs file (JSON Lines): <c>{"positive": "Love", "negative": "Hate"}</c> per line, or the chat form
/// <c>{"messages": [{"role": "user", "content": "…"}], "positive": "(A", "negative": "(B"}</c> — one conversation and
/// the answer that shows the behaviour and the one that does not.
/// </summary>
public static class ContrastPairsFile
{
    /// <summary>The pairs in <paramref name="path"/>.</summary>
    /// <exception cref="SteeringException">Unreadable, a malformed line (named by number), or no pairs.</exception>
    public static IReadOnlyList<ContrastPair> Read(string path) => JsonLinesFile.Read(path, "pairs", line =>
    {
        var positive = line.String("positive", required: true)!;
        var negative = line.String("negative", required: true)!;
        if (line.Messages() is { } messages)
            return new ContrastPair(PromptInput.Chat(messages, positive), PromptInput.Chat(messages, negative));
        if (positive.Length == 0 || negative.Length == 0) throw line.Error("\"positive\" and \"negative\" must not be empty");
        return new ContrastPair(positive, negative);
    });
}
