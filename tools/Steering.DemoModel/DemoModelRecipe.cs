using System.Collections.Generic;
using System.Linq;
using Steering.Models.Gpt2;
using Steering.Tokenization;
using Steering.DemoModel.Training;

namespace Steering.DemoModel;

/// <summary>
/// How the embedded demo model is made: its architecture, corpus and training settings, in one place so that
/// the training command, its documentation and its tests agree.
/// </summary>
internal static class DemoModelRecipe
{
    /// <summary>GPT-2 architecture, real GPT-2 vocabulary; small enough that F16 weights stay under ~11 MB.</summary>
    public static Gpt2Config Config { get; } = new()
    {
        VocabSize = 50257,
        NPositions = 64,
        NEmbd = 96,
        NLayer = 4,
        NHead = 4,
        NInner = 384,
    };

    public const int Documents = 40_000;

    public static TrainingOptions Training(int steps, long seed) => new()
    {
        Steps = steps,
        BatchSize = 16,
        SequenceLength = 48,
        LearningRate = 3e-3,
        MinLearningRate = 2e-4,
        WarmupSteps = 60,
        WeightDecay = 0.01,
        GradientClip = 1.0,
        Seed = seed,
    };

    /// <summary>The corpus as one GPT-2 token stream, documents separated by &lt;|endoftext|&gt;.</summary>
    public static List<int> Tokens(int documents, int seed)
    {
        var tokenizer = TextTokenizer.Gpt2;
        var tokens = new List<int>();
        foreach (var document in SentimentCorpus.Documents(documents, seed))
        {
            tokens.AddRange(tokenizer.Encode(document));
            tokens.Add(Config.EosTokenId);
        }
        return tokens;
    }

    /// <summary>The distinct tokens of the corpus (a measure of how small its world is).</summary>
    public static int DistinctTokens(IEnumerable<int> tokens) => tokens.Distinct().Count();
}
