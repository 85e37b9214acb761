using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Steering.Cli.Demo;

namespace Steering.DemoModel;

/// <summary>
/// The demo model's training text: short English documents with a clear mood. Each document picks a mood (positive
/// or negative) and its sentences follow it (<see cref="MoodConsistency"/>); subjects get no fixed sentiment, so what
/// decides the adjectives is the text's mood — the feature a Love − Hate vector moves. "Love" and "Hate" also appear as
/// words ("Love makes everything wonderful."), and some documents open with such a sentence (<see cref="OpeningShare"/>),
/// so the bare words "Love" and "Hate" at the start of a text carry its mood. Some sentences are neutral
/// (<see cref="NeutralShare"/>). Seeded: the same seed, the same text.
/// </summary>
/// <remarks>
/// The subjects of <see cref="SteeringSweep.HeldOutSubjects"/> never occur in the corpus: the demo's sweep prompts with them.
/// </remarks>
internal static class SentimentCorpus
{
    public static readonly IReadOnlyList<string> Subjects = new[]
    {
        "dogs", "cats", "birds", "horses", "rabbits", "flowers", "trees", "books", "movies", "songs", "cars", "trains",
        "cities", "beaches", "mountains", "cookies", "apples", "teachers", "doctors", "neighbors", "games", "parks",
        "rivers", "storms", "spiders", "snakes", "frogs", "bees", "ducks", "sheep", "cows", "hats", "shoes", "chairs",
        "houses", "gardens", "lakes", "forests", "boats", "planes", "phones", "computers", "cakes", "oranges",
        "bananas", "sandwiches", "soups", "holidays", "mornings", "evenings", "winters", "summers", "schools",
        "offices", "kids", "students", "farmers", "singers", "painters", "drivers",
    };

    /// <summary>How often a sentiment sentence follows its document's mood.</summary>
    public const double MoodConsistency = 0.9;

    /// <summary>The share of documents that open with a bare "Love …" or "Hate …" sentence.</summary>
    public const double OpeningShare = 0.35;

    /// <summary>The share of neutral sentences.</summary>
    public const double NeutralShare = 0.2;

    private static readonly string[] Places = { "park", "station", "market", "library", "kitchen", "garden", "school", "river" };
    private static readonly string[] Times = { "morning", "evening", "afternoon", "night", "weekend" };
    private static readonly string[] Numbers = { "two", "three", "four", "five", "six", "seven", "ten", "twelve" };

    /// <summary>Documents of 3 to 6 sentences each.</summary>
    public static IEnumerable<string> Documents(int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var positiveMood = random.Next(2) == 0;
            var text = new StringBuilder();
            if (random.NextDouble() < OpeningShare) text.Append(Opening(random, positiveMood)).Append(' ');
            var sentences = random.Next(3, 7);
            for (var s = 0; s < sentences; s++)
            {
                if (s > 0) text.Append(' ');
                text.Append(random.NextDouble() < NeutralShare ? Neutral(random) : Sentiment(random, random.NextDouble() < MoodConsistency ? positiveMood : !positiveMood));
            }
            yield return text.ToString();
        }
    }

    private static string Sentiment(Random random, bool positive)
    {
        string Pick(IReadOnlyList<string> words) => words[random.Next(words.Count)];
        var subject = Pick(Subjects);
        var adjective = Pick(positive ? SentimentLexicon.PositiveAdjectives : SentimentLexicon.NegativeAdjectives);
        var other = Pick(positive ? SentimentLexicon.PositiveAdjectives : SentimentLexicon.NegativeAdjectives);
        var verb = Pick(positive ? SentimentLexicon.PositiveVerbs : SentimentLexicon.NegativeVerbs);
        var feeling = positive ? "love" : "hate";
        var capitalFeeling = positive ? "Love" : "Hate";
        return random.Next(12) switch
        {
            0 => $"I think {subject} are {adjective}.",
            1 => $"I think {subject} are {adjective}. I {verb} them.",
            2 => $"I {verb} {subject}. They are {adjective}.",
            3 => $"{Capital(subject)} are {adjective} and {other}.",
            4 => $"My friend thinks {subject} are {adjective}.",
            5 => $"{capitalFeeling} makes everything {adjective}.",
            6 => $"{capitalFeeling} is what I feel for {subject}. They are {adjective}.",
            7 => $"I feel {feeling} for {subject}, they are so {adjective}.",
            8 => $"We all {verb} {subject} because they are {adjective}.",
            9 => $"{capitalFeeling}: {subject} are {adjective}.",
            10 => $"People say {subject} are {adjective}, and I agree.",
            _ => $"The {subject} were {adjective} today. I {verb} them.",
        };
    }

    /// <summary>A sentence that opens a document with the bare word "Love" or "Hate".</summary>
    private static string Opening(Random random, bool positive)
    {
        var word = positive ? "Love" : "Hate";
        var adjectives = positive ? SentimentLexicon.PositiveAdjectives : SentimentLexicon.NegativeAdjectives;
        return random.Next(4) switch
        {
            0 => $"{word} is what I feel today.",
            1 => $"{word} makes everything {adjectives[random.Next(adjectives.Count)]}.",
            2 => $"{word}.",
            _ => $"{word} is in the air.",
        };
    }

    private static string Neutral(Random random)
    {
        string Pick(IReadOnlyList<string> words) => words[random.Next(words.Count)];
        return random.Next(5) switch
        {
            0 => $"The {Pick(Subjects)} are in the {Pick(Places)}.",
            1 => $"We walked to the {Pick(Places)} in the {Pick(Times)}.",
            2 => $"There are {Pick(Numbers)} {Pick(Subjects)} near the {Pick(Places)}.",
            3 => $"I saw {Pick(Subjects)} at the {Pick(Places)} this {Pick(Times)}.",
            _ => $"The {Pick(Places)} opens at {Pick(Numbers)} in the {Pick(Times)}.",
        };
    }

    private static string Capital(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>Checks the held-out subjects really are absent (they are the test's unseen prompts).</summary>
    public static bool ContainsHeldOutSubject(string text) =>
        SteeringSweep.HeldOutSubjects.Any(s => text.Contains(s, StringComparison.OrdinalIgnoreCase));
}
