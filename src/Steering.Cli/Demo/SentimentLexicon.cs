using System;
using System.Collections.Generic;
using System.Linq;

namespace Steering.Cli.Demo;

/// <summary>
/// The demo's sentiment words, and a score of text by them: (positive − negative) ÷ words counted. The corpus is built
/// from the same lists, so the trained model's sentiment is visible in exactly these words.
/// </summary>
internal static class SentimentLexicon
{
    public static readonly IReadOnlyList<string> PositiveAdjectives = new[]
    {
        "wonderful", "great", "lovely", "amazing", "beautiful", "delightful", "fantastic", "brilliant",
        "sweet", "kind", "charming", "adorable", "excellent", "happy", "gentle", "cheerful",
    };

    public static readonly IReadOnlyList<string> NegativeAdjectives = new[]
    {
        "awful", "terrible", "horrible", "nasty", "ugly", "dreadful", "disgusting", "boring",
        "cruel", "rude", "mean", "annoying", "gross", "miserable", "rotten", "vile",
    };

    public static readonly IReadOnlyList<string> PositiveVerbs = new[] { "love", "adore", "like", "enjoy", "cherish" };

    public static readonly IReadOnlyList<string> NegativeVerbs = new[] { "hate", "despise", "dislike", "loathe", "detest" };

    private static readonly HashSet<string> Positive = new(PositiveAdjectives.Concat(PositiveVerbs).Append("loved").Append("joy"), StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> Negative = new(NegativeAdjectives.Concat(NegativeVerbs).Append("hated").Append("misery"), StringComparer.OrdinalIgnoreCase);

    /// <summary>Counts of positive and negative words in <paramref name="text"/>.</summary>
    public static (int Positive, int Negative, int Words) Count(string text)
    {
        var words = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        return (words.Count(Positive.Contains), words.Count(Negative.Contains), words.Length);
    }

    /// <summary>
    /// The sentiment of several completions: (positive − negative words) ÷ all sentiment words, in [−1, 1]; 0 when none
    /// has a sentiment word.
    /// </summary>
    public static double Score(IEnumerable<string> completions)
    {
        int positive = 0, negative = 0;
        foreach (var text in completions)
        {
            var counts = Count(text);
            positive += counts.Positive;
            negative += counts.Negative;
        }
        return positive + negative == 0 ? 0 : (double)(positive - negative) / (positive + negative);
    }

    /// <summary>The sentiment of one text, as <see cref="Score"/> scores it: a per-text scorer (<c>--score sentiment</c>).</summary>
    public static double ScoreText(string text) => Score([text]);

    private static readonly char[] Separators = { ' ', '.', ',', '!', '?', ';', ':', '\n', '\t', '"', '(', ')' };
}
