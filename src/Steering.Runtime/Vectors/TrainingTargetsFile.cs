using System.Collections.Generic;

namespace Steering.Vectors;

/// <summary>
/// A training-targets file (JSON Lines): <c>{"prompt": "I think dogs are", "target": " wonderful", "contrast": " awful"}</c>
/// per line (<c>contrast</c> optional), or <c>{"messages": [...], "target": "…"}</c> for a chat model's reply.
/// </summary>
public static class TrainingTargetsFile
{
    /// <summary>The targets in <paramref name="path"/>.</summary>
    /// <exception cref="SteeringException">Unreadable, a malformed line (named by number), or no targets.</exception>
    public static IReadOnlyList<TrainingTarget> Read(string path) => JsonLinesFile.Read(path, "training targets", line =>
    {
        var target = line.String("target", required: true)!;
        var contrast = line.String("contrast", required: false);
        try
        {
            return line.Messages() is { } messages
                ? TrainingTarget.Chat(messages, target, contrast)
                : TrainingTarget.Plain(line.String("prompt", required: true)!, target, contrast);
        }
        catch (SteeringException e) when (!e.Message.StartsWith(line.Path, System.StringComparison.Ordinal))
        {
            throw line.Error(e.Message);
        }
    });
}
