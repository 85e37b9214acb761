using System.ComponentModel;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Activations;
using Steering.Vectors;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer vector build MODEL_DIR --pairs PAIRS.jsonl --hooks NAMES --method mean-diff --out FILE</c> (or one pair as
/// <c>--positive A --negative B</c>; <c>steer vector MODEL_DIR --hook … --positive … --negative …</c> is the same).
/// </summary>
internal sealed class VectorBuildCommand(Terminal terminal) : Command<VectorBuildCommand.Settings>
{
    internal sealed class Settings : VectorSettings
    {
        [CommandOption("--pairs <FILE>")]
        [Description("Contrast pairs, JSON Lines: {\"positive\": ..., \"negative\": ...} or {\"messages\": [...], \"positive\": answer, \"negative\": answer}.")]
        public string? Pairs { get; set; }

        [CommandOption("--positive <TEXT>")]
        [Description("One pair instead of --pairs: the prompt the vector points towards, e.g. \"Love\".")]
        public string? Positive { get; set; }

        [CommandOption("--negative <TEXT>")]
        [Description("The prompt the vector points away from, e.g. \"Hate\".")]
        public string? Negative { get; set; }

        [CommandOption("--method <METHOD>")]
        [Description("diff (one pair), mean-diff (CAA), pca (repeng; unit vector), probe (logistic regression; unit vector).")]
        [DefaultValue("mean-diff")]
        public string Method { get; set; } = "mean-diff";

        [CommandOption("--read <WHERE>")]
        [Description("Which tokens of each prompt: last, mean (all tokens), answer (the mean over a chat pair's answer).")]
        [DefaultValue("last")]
        public string Read { get; set; } = "last";

        [CommandOption("--l2 <PENALTY>")]
        [Description("The probe's L2 penalty.")]
        [DefaultValue(1e-3)]
        public double L2 { get; set; } = 1e-3;

        public override ValidationResult Validate()
        {
            if (Pairs is null && (Positive is null || Negative is null))
                return ValidationResult.Error("give --pairs FILE, or one pair as --positive TEXT --negative TEXT");
            if (Pairs is not null && (Positive is not null || Negative is not null))
                return ValidationResult.Error("give --pairs FILE or --positive/--negative, not both");
            if (Method is not ("diff" or "mean-diff" or "pca" or "probe"))
                return ValidationResult.Error($"--method {Method}: use diff, mean-diff, pca or probe");
            if (Read is not ("last" or "mean" or "answer"))
                return ValidationResult.Error($"--read {Read}: use last, mean or answer");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputFile.Check(settings.Out);
        var pairs = settings.Pairs is { } file ? ContrastPairsFile.Read(file) : new[] { new ContrastPair(settings.Positive!, settings.Negative!) };
        if (settings.Method == "diff" && pairs.Count != 1)
            throw new SteeringException($"--method diff takes one pair; {settings.Pairs} holds {pairs.Count} (use mean-diff for their mean)");
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        var points = settings.Points(model);
        var reduction = settings.Read switch { "mean" => TokenReduction.Mean, "answer" => TokenReduction.AnswerMean, _ => TokenReduction.LastToken };
        var collection = new CollectionOptions { BatchSize = settings.BatchSize };
        var builder = settings.Method switch
        {
            "pca" => VectorBuilders.Pca(pairs, reduction, collection),
            "probe" => VectorBuilders.Probe(pairs, settings.L2, reduction, collection),
            _ => VectorBuilders.MeanDiff(pairs, reduction, collection),
        };
        using var vectors = terminal.Status($"Running {pairs.Count * 2} prompts", () => builder.Build(model, points));
        terminal.Line($"pairs: {pairs.Count}");
        settings.Write(vectors, terminal);
        return 0;
    }
}
