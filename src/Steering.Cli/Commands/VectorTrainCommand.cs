using System.ComponentModel;
using System.Globalization;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Vectors;

namespace Steering.Cli.Commands;

/// <summary><c>steer vector train MODEL_DIR --targets T.jsonl --hooks NAMES --out FILE</c>: a vector trained by gradient on the frozen model.</summary>
internal sealed class VectorTrainCommand(Terminal terminal) : Command<VectorTrainCommand.Settings>
{
    internal sealed class Settings : VectorSettings
    {
        [CommandOption("--targets <FILE>")]
        [Description("JSON Lines: {\"prompt\": ..., \"target\": completion, \"contrast\": completion (optional)}, or \"messages\" instead of \"prompt\".")]
        public string Targets { get; set; } = "";

        [CommandOption("--steps <N>")]
        [Description("Passes over the targets.")]
        [DefaultValue(50)]
        public int Steps { get; set; } = 50;

        [CommandOption("--learning-rate <LR>")]
        [Description("Adam's learning rate.")]
        [DefaultValue(0.05)]
        public double LearningRate { get; set; } = 0.05;

        [CommandOption("--max-norm <NORM>")]
        [Description("The longest each vector may grow (L2 norm); no limit when not given.")]
        public double? MaxNorm { get; set; }

        [CommandOption("--contrast-weight <W>")]
        [Description("The weight of making contrast completions unlikely.")]
        [DefaultValue(1.0)]
        public double ContrastWeight { get; set; } = 1.0;

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Targets) ? ValidationResult.Error("--targets FILE is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputFile.Check(settings.Out);
        var targets = TrainingTargetsFile.Read(settings.Targets);
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        var points = settings.Points(model);
        var trainer = new GradientVectorTrainer(targets, new GradientTrainingOptions
        {
            Steps = settings.Steps,
            LearningRate = settings.LearningRate,
            MaxNorm = settings.MaxNorm,
            ContrastWeight = settings.ContrastWeight,
            BatchSize = settings.BatchSize,
        });
        var before = trainer.Loss(model, null);
        using var vectors = terminal.Status($"Training on {targets.Count} targets", () => trainer.Build(model, points));
        var after = trainer.Loss(model, vectors);
        terminal.Line($"targets: {targets.Count}");
        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"loss: {before:F4} -> {after:F4}"));
        settings.Write(vectors, terminal);
        return 0;
    }
}
