using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Cli.Demo;

/// <summary>
/// Measures steering: the sentiment score (see <see cref="SentimentLexicon.Score"/>) of seeded sampled completions of
/// "I think {subject} are" for subjects the model never saw, with coefficient × vector added at a hook point.
/// </summary>
internal static class SteeringSweep
{
    /// <summary>Subjects the demo model never saw: its training corpus (tools/Steering.DemoModel) leaves them out.</summary>
    public static readonly IReadOnlyList<string> HeldOutSubjects = new[]
    {
        "violins", "tigers", "lamps", "pirates", "robots", "clouds", "pancakes", "wolves", "bicycles", "castles",
        "dragons", "penguins", "candles", "pianos", "owls", "tomatoes",
    };

    /// <summary>Prompts about subjects absent from the training corpus.</summary>
    public static IReadOnlyList<string> HeldOutPrompts { get; } =
        HeldOutSubjects.Select(subject => $"I think {subject} are").ToList();

    /// <summary>Sampling the sweep uses: seeded, so scores are reproducible.</summary>
    public static GenerationOptions Sampling(int maxNewTokens = 10) => new()
    {
        Sample = true,
        Temperature = 1.0,
        TopK = 40,
        Seed = 7,
        MaxNewTokens = maxNewTokens,
    };

    /// <summary>The completions (new text only) of <paramref name="prompts"/>, steered by coefficient × vector at <paramref name="hookName"/>.</summary>
    public static IReadOnlyList<string> Complete(HookedTransformer model, string hookName, Tensor vector, double coefficient,
        IReadOnlyList<string> prompts, GenerationOptions options)
    {
        var steering = coefficient == 0 ? null : SteeringSpec.Empty.Add(hookName, vector, coefficient);
        var tokenized = prompts.Select(p => (IReadOnlyList<int>)model.Tokenizer.Encode(p)).ToList();
        return model.Generate(tokenized, options with { Steering = steering }).Select(s => s.Text).ToList();
    }

    /// <summary>The sentiment score of the held-out completions at one coefficient, over <paramref name="samples"/> seeds.</summary>
    public static double Score(HookedTransformer model, string hookName, Tensor vector, double coefficient, int samples = 2)
    {
        var completions = Enumerable.Range(0, samples).SelectMany(sample =>
            Complete(model, hookName, vector, coefficient, HeldOutPrompts, Sampling() with { Seed = 7 + sample }));
        return SentimentLexicon.Score(completions);
    }
}
