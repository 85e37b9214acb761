using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Cli.Demo;
using Steering.Evaluation;
using Steering.Generation;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer sweep MODEL_DIR --vector V --hooks "blocks.{1..3}.resid_pre" --coefficients -8,-4,0,4,8 --prompts FILE</c>:
/// the vector added at each hook point at each coefficient, measured (KL to the unsteered model, optionally an effect
/// score and the perplexity of neutral text), as a table, a CSV file and a plot.
/// </summary>
internal sealed class SweepCommand(Terminal terminal) : Command<SweepCommand.Settings>
{
    /// <summary>The scorers <c>--score</c> knows, by name: a score of one completion's text.</summary>
    public static readonly IReadOnlyDictionary<string, (Func<string, double> Score, string Label)> Scorers =
        new Dictionary<string, (Func<string, double>, string)>(StringComparer.OrdinalIgnoreCase)
        {
            ["sentiment"] = (SentimentLexicon.ScoreText, "sentiment score of completions"),
        };

    internal sealed class Settings : EvaluationSettings
    {
        [CommandOption("--vector <FILE>")]
        [Description("The steering vector (a safetensors vector file), added at each hook point in turn.")]
        public string? Vector { get; set; }

        [CommandOption("--hooks <PATTERN>")]
        [Description("The hook points to steer at: names, comma-separated, with ranges and choices in braces, e.g. \"blocks.{1..3}.resid_pre\".")]
        public string? Hooks { get; set; }

        [CommandOption("--coefficients <LIST>")]
        [Description("The coefficients, comma-separated, e.g. -8,-4,0,4,8.")]
        public string? Coefficients { get; set; }

        [CommandOption("--score <SCORER>")]
        [Description("Also measure the effect: generate completions of the prompts and score them (sentiment).")]
        public string? Score { get; set; }

        [CommandOption("--neutral <FILE>")]
        [Description("Also measure the perplexity of these texts (one per line), steered.")]
        public string? Neutral { get; set; }

        [CommandOption("-n|--max-new-tokens <N>")]
        [Description("With --score: the most tokens each completion adds.")]
        [DefaultValue(10)]
        public int MaxNewTokens { get; set; } = 10;

        [CommandOption("--samples <N>")]
        [Description("With --score: completions per prompt, sampled with seeds SEED, SEED+1, ...")]
        [DefaultValue(1)]
        public int Samples { get; set; } = 1;

        [CommandOption("--seed <S>")]
        [Description("With --score: the first sampling seed.")]
        [DefaultValue(0L)]
        public long Seed { get; set; }

        [CommandOption("--greedy")]
        [Description("With --score: greedy completions instead of sampled ones (temperature 1, top-k 40).")]
        public bool Greedy { get; set; }

        [CommandOption("--out <FILE>")]
        [Description("Write the table as CSV.")]
        public string? Out { get; set; }

        [CommandOption("--plot <FILE>")]
        [Description("Write the plot: .png or .svg, a panel per measure, a line per hook point.")]
        public string? Plot { get; set; }

        /// <summary>The coefficients as numbers.</summary>
        public IReadOnlyList<double> ParseCoefficients() => (Coefficients ?? "").Split(',').Select(text =>
            double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                ? value
                : throw new SteeringException($"--coefficients {Coefficients}: '{text.Trim()}' is not a finite number")).ToList();

        public GenerationOptions Generation => new()
        {
            MaxNewTokens = MaxNewTokens,
            Sample = !Greedy,
            TopK = 40,
            Seed = Seed,
        };

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Vector)) return ValidationResult.Error("give the steering vector: --vector FILE");
            if (string.IsNullOrEmpty(Hooks)) return ValidationResult.Error("give the hook points: --hooks \"blocks.{1..3}.resid_pre\"");
            if (string.IsNullOrEmpty(Coefficients)) return ValidationResult.Error("give the coefficients: --coefficients -8,-4,0,4,8");
            if (Score is not null && !Scorers.ContainsKey(Score))
                return ValidationResult.Error($"--score {Score} is not a scorer steer knows; it knows {string.Join(", ", Scorers.Keys)}");
            if (MaxNewTokens < 1) return ValidationResult.Error($"--max-new-tokens is {MaxNewTokens}; it must be at least 1");
            if (Samples < 1) return ValidationResult.Error($"--samples is {Samples}; it must be at least 1");
            if (Greedy && Samples > 1) return ValidationResult.Error("--greedy gives the same completion every time; it takes no --samples");
            HookList.Expand(Hooks);
            ParseCoefficients();
            if (Out is not null) OutputFile.Check(Out);
            if (Plot is not null)
            {
                OutputFile.Check(Plot, "--plot");
                SweepPlot.FormatOf(Plot);
            }
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var prompts = settings.ReadPrompts();
        var neutral = settings.Neutral is null ? null : PromptFile.Read(settings.Neutral, "--neutral");
        var coefficients = settings.ParseCoefficients();
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        // Checked and canonical before anything runs: a misspelt point fails with the closest names.
        var points = HookList.Expand(settings.Hooks!).Select(name => model.Hooks[name].Name).Distinct().ToList();
        // Each point takes its own vector from a multi-site file; a one-site file's vector is swept across every point.
        using var vectors = SteeringVectors.Load(settings.Vector!);
        vectors.CheckModel(SchemaIdentity.Of(model));
        Tensor VectorAt(string point) => vectors.ContainsKey(point) ? vectors[point]
            : vectors.Sites.Count == 1 ? vectors.Single
            : throw new SteeringException($"{settings.Vector} has no vector for {point} (it has {string.Join(", ", vectors.Sites)})");
        // Every point's vector checked against the point before anything is measured.
        var steerings = points.ToDictionary(point => point, point => CoefficientSteering.AddVector(model, point, VectorAt(point)));
        var scorer = settings.Score is null ? ((Func<string, double>, string)?)null : Scorers[settings.Score];

        using var evaluator = new SteeringEvaluator
        {
            Kl = KlProbe.FromText(model, prompts, settings.KlPositions, settings.Options),
            Effect = scorer is { } s ? EffectProbe.FromText(model, prompts, s.Item1, settings.Generation, settings.Samples) : null,
            Perplexity = neutral is null ? null : PerplexityProbe.FromText(model, neutral, settings.Options),
        };
        var table = terminal.Status($"Sweeping {points.Count} hook points x {coefficients.Count} coefficients",
            () => Sweep.Run(evaluator, points, coefficients, point => steerings[point]));

        Print(table);
        if (settings.Out is not null)
        {
            table.WriteCsv(settings.Out);
            terminal.Line($"table: {settings.Out}");
        }
        if (settings.Plot is not null)
        {
            SweepPlot.Write(settings.Plot, $"Steering {model.Schema.Name} with {System.IO.Path.GetFileName(settings.Vector)}",
                "coefficient", SweepPanel.From(table, scorer?.Item2));
            terminal.Line($"plot: {settings.Plot}");
        }
        return 0;
    }

    /// <summary>The table on the terminal: a line per cell, a column per measure.</summary>
    private void Print(SweepTable table)
    {
        var width = Math.Max(5, table.Points.Max(p => p.Length));
        terminal.Line($"{"point".PadRight(width)} {"coefficient",11}" + string.Concat(table.Metrics.Select(m => $" {m.Column,14}")));
        foreach (var row in table.Rows)
            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{row.Point.PadRight(width)} {row.Coefficient,11:G6}") +
                          string.Concat(table.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $" {m.Read(row.Evaluation)!.Value,14:G6}"))));
    }
}
