using System.Collections.Generic;
using System.Globalization;

namespace Steering.Activations;

/// <summary>
/// How a prompt's activations at a point become one vector: the last real token, the mean over its real tokens, one
/// position, or the tokens of a chat turn's answer. Padding is never read.
/// </summary>
public abstract record TokenReduction
{
    private TokenReduction() { }

    /// <summary>The last token (the one that has read all others).</summary>
    public static TokenReduction LastToken { get; } = new Last();

    /// <summary>The mean over every token of the prompt.</summary>
    public static TokenReduction Mean { get; } = new Average();

    /// <summary>The mean over the answer's tokens (a chat prompt's answer; every token of a plain prompt).</summary>
    public static TokenReduction AnswerMean { get; } = new AnswerAverage();

    /// <summary>The token at <paramref name="position"/> (0 the first; negative counts from the end, −1 the last).</summary>
    public static TokenReduction At(int position) => new Position(position);

    /// <summary>
    /// The weight of each position of a left-padded row: <paramref name="prompt"/>'s tokens sit in the last
    /// <c>Ids.Count</c> of <paramref name="columns"/> columns.
    /// </summary>
    internal abstract IEnumerable<(int Column, double Weight)> Weights(TokenizedPrompt prompt, int columns);

    private sealed record Last : TokenReduction
    {
        internal override IEnumerable<(int, double)> Weights(TokenizedPrompt prompt, int columns) => new[] { (columns - 1, 1.0) };

        public override string ToString() => "last token";
    }

    private sealed record Average : TokenReduction
    {
        internal override IEnumerable<(int, double)> Weights(TokenizedPrompt prompt, int columns) =>
            Span(columns - prompt.Ids.Count, 0, prompt.Ids.Count);

        public override string ToString() => "mean over tokens";
    }

    private sealed record AnswerAverage : TokenReduction
    {
        internal override IEnumerable<(int, double)> Weights(TokenizedPrompt prompt, int columns) =>
            Span(columns - prompt.Ids.Count, prompt.AnswerStart, prompt.AnswerEnd);

        public override string ToString() => "mean over the answer";
    }

    private sealed record Position(int Index) : TokenReduction
    {
        internal override IEnumerable<(int, double)> Weights(TokenizedPrompt prompt, int columns)
        {
            var count = prompt.Ids.Count;
            var index = Index < 0 ? count + Index : Index;
            if (index < 0 || index >= count)
                throw new SteeringException($"position {Index} is outside a prompt of {count} tokens");
            return new[] { (columns - count + index, 1.0) };
        }

        public override string ToString() => "position " + Index.ToString(CultureInfo.InvariantCulture);
    }

    private static IEnumerable<(int, double)> Span(int offset, int start, int end)
    {
        if (end <= start) throw new SteeringException("the answer has no tokens");
        for (var i = start; i < end; i++) yield return (offset + i, 1.0 / (end - start));
    }
}
