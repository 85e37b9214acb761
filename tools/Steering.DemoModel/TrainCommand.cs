using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Cli;
using Steering.Cli.Demo;
using Steering.DemoModel.Training;
using Steering.Models.Gpt2;
using static TorchSharp.torch;

namespace Steering.DemoModel;

/// <summary>
/// <c>dotnet run --project tools/Steering.DemoModel -- [--out DIR]</c>: generates the sentiment corpus, trains the demo
/// GPT-2 on it and saves it as a Hugging Face folder (F16 weights, GPT-2 tokenizer files, a TRAINING.md with the recipe
/// and the final loss).
/// </summary>
internal sealed class TrainCommand(Terminal terminal) : Command<TrainCommand.Settings>
{
    /// <summary>Where <c>steer demo</c> gets its model (the tool carries this folder).</summary>
    public const string DemoModelPath = "examples/models/tiny-sentiment";

    internal sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Where to save the model (default: the repository's " + DemoModelPath + ").")]
        public string? Out { get; set; }

        [CommandOption("--steps <N>")]
        [Description("Optimizer steps.")]
        [DefaultValue(2000)]
        public int Steps { get; set; } = 2000;

        [CommandOption("--seed <S>")]
        [Description("Seed of the corpus, the initial weights and the batch order.")]
        [DefaultValue(1)]
        public int Seed { get; set; } = 1;

        [CommandOption("--threads <N>")]
        [Description("libtorch threads. The same seed and thread count give the same weights.")]
        [DefaultValue(2)]
        public int Threads { get; set; } = 2;

        public override ValidationResult Validate() =>
            Steps < 1 ? ValidationResult.Error("--steps must be at least 1")
            : Threads < 1 ? ValidationResult.Error("--threads must be at least 1")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = settings.Out ?? Path.Combine(RepositoryRoot(), DemoModelPath);
        set_num_threads(settings.Threads);
        var clock = Stopwatch.StartNew();

        var tokens = DemoModelRecipe.Tokens(DemoModelRecipe.Documents, settings.Seed);
        terminal.Line($"corpus: {DemoModelRecipe.Documents} documents, {tokens.Count} tokens, {DemoModelRecipe.DistinctTokens(tokens)} distinct");
        using var model = Gpt2Model.CreateRandom(DemoModelRecipe.Config, settings.Seed, new ModelLoadOptions { Name = "tiny-sentiment" });
        var options = DemoModelRecipe.Training(settings.Steps, settings.Seed);
        var progress = new Progress(terminal, options.Steps);
        var report = CausalLmTrainer.Train(model, tokens, options, progress);
        terminal.Line(string.Create(CultureInfo.InvariantCulture,
            $"trained: {report.Steps} steps, {report.TokensSeen} tokens, final loss {report.FinalLoss:F4} nats/token, {clock.Elapsed.TotalMinutes:F1} min"));

        model.Save(folder, ScalarType.Float16);
        File.WriteAllText(Path.Combine(folder, "TRAINING.md"), Recipe(settings, options, tokens.Count, report, clock.Elapsed), new UTF8Encoding(false));
        terminal.Line($"saved: {folder}");
        return 0;
    }

    private static string Recipe(Settings settings, TrainingOptions options, int tokenCount, TrainingReport report, TimeSpan elapsed)
    {
        var c = DemoModelRecipe.Config;
        return string.Create(CultureInfo.InvariantCulture, $"""
            # tiny-sentiment

            The demo model of Steering, made by `dotnet run --project tools/Steering.DemoModel -- --seed {settings.Seed} --steps {settings.Steps} --threads {settings.Threads}`
            (tools/Steering.DemoModel/TrainCommand.cs). The same seed and thread count give the same weights.

            - Architecture: GPT-2 (GPT2LMHeadModel), {c.NLayer} blocks, d_model {c.NEmbd}, {c.NHead} heads, d_mlp {c.NInner}, context {c.NPositions},
              the real GPT-2 tokenizer and vocabulary ({c.VocabSize}); weights stored as F16.
            - Corpus (tools/Steering.DemoModel/SentimentCorpus.cs): {DemoModelRecipe.Documents} generated documents, {tokenCount} tokens.
              Each document has a mood that its sentiment sentences follow with probability {SentimentCorpus.MoodConsistency};
              {SentimentCorpus.OpeningShare * 100:0}% of the documents open with a bare "Love …" or "Hate …" sentence; {SentimentCorpus.NeutralShare * 100:0}% of the
              sentences are neutral; {SentimentCorpus.Subjects.Count} subjects with no fixed sentiment; {SentimentLexicon.PositiveAdjectives.Count} positive
              and {SentimentLexicon.NegativeAdjectives.Count} negative adjectives. The subjects {string.Join(", ", SteeringSweep.HeldOutSubjects)} never occur.
            - Training (tools/Steering.DemoModel/Training/CausalLmTrainer.cs): {options.Steps} AdamW steps of {options.BatchSize} × {options.SequenceLength} tokens,
              learning rate {options.LearningRate} (warm-up {options.WarmupSteps} steps, cosine to {options.MinLearningRate}), weight decay {options.WeightDecay},
              gradient clip {options.GradientClip}, full-vocabulary cross-entropy.
            - Final loss: {report.FinalLoss:F4} nats/token (mean of the last 50 steps), after {report.TokensSeen} tokens, in {elapsed.TotalMinutes:F1} minutes
              with {settings.Threads} libtorch threads.

            """);
    }

    /// <summary>The repository (the folder holding Dsl.sln) above the current directory: this tool only runs from a clone.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) return dir.FullName;
        throw new SteeringException("not inside the repository: give --out");
    }

    /// <summary>Reports training progress: a line every 5% (plain output), or a status line on a terminal.</summary>
    private sealed class Progress(Terminal terminal, int steps) : IProgress<TrainingProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly int _every = Math.Max(1, steps / 20);

        public void Report(TrainingProgress value)
        {
            if (value.Step % _every != 0 && value.Step != value.Steps) return;
            terminal.Line(string.Create(CultureInfo.InvariantCulture,
                $"step {value.Step}/{value.Steps}  loss {value.Loss:F4}  lr {value.LearningRate:E2}  {_clock.Elapsed.TotalSeconds:F0}s"));
        }
    }
}
