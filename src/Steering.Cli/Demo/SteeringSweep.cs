using System.Collections.Generic;
using System.Linq;
using Steering.Evaluation;
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

    /// <summary>
    /// The sentiment score of the held-out completions at one coefficient, over <paramref name="samples"/> seeds: all
    /// completions' sentiment words counted together (<see cref="SentimentLexicon.Score"/>).
    /// </summary>
    public static double Score(HookedTransformer model, string hookName, Tensor vector, double coefficient, int samples = 2)
    {
        var probe = EffectProbe.FromText(model, HeldOutPrompts, SentimentLexicon.ScoreText, Sampling(), samples);
        return SentimentLexicon.Score(probe.Complete(CoefficientSteering.AddVector(model, hookName, vector), coefficient));
    }
}
