using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Evaluation;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer calibrate MODEL_DIR --add HOOK=V --prompts FILE --kl 1 [--percentile 95]</c>: the coefficient at which the
/// steering reaches a KL (or log-probability shift) target on a prompt set.
/// </summary>
internal sealed class CalibrateCommand(Terminal terminal) : Command<CalibrateCommand.Settings>
{
    internal sealed class Settings : EvaluationSettings
    {
        [CommandOption("--add <SPEC>")]
        [Description("HOOK=VECTOR.safetensors[[*WEIGHT]]: the steering to calibrate, coefficient x WEIGHT (default 1) x the vector at HOOK; repeat to scale several together.")]
        public string[] Add { get; set; } = [];

        [CommandOption("--kl <TARGET>")]
        [Description("Find the coefficient at which KL(steered || unsteered) of next-token distributions reaches TARGET nats.")]
        public double? Kl { get; set; }

        [CommandOption("--percentile <P>")]
        [Description("With --kl: the Pth percentile of KL over the compared positions reaches the target (default: the mean).")]
        public double? Percentile { get; set; }

        [CommandOption("--log-prob-shift <TARGET>")]
        [Description("Find the coefficient at which the mean log-probability of --completions changes by TARGET nats.")]
        public double? LogProbShift { get; set; }

        [CommandOption("--completions <FILE>")]
        [Description("With --log-prob-shift: a completion per line, for the prompt on the same line of --prompts (usually starting with a space).")]
        public string? Completions { get; set; }

        [CommandOption("--negative")]
        [Description("Search among negative coefficients.")]
        public bool Negative { get; set; }

        [CommandOption("--max-coefficient <C>")]
        [Description("The largest coefficient magnitude to try.")]
        [DefaultValue(1024.0)]
        public double MaxCoefficient { get; set; } = 1024;

        [CommandOption("--tolerance <FRACTION>")]
        [Description("Done when within this fraction of the target.")]
        [DefaultValue(0.02)]
        public double Tolerance { get; set; } = 0.02;

        public CalibrationOptions CalibrationOptions => new()
        {
            Negative = Negative,
            MaxCoefficient = MaxCoefficient,
            InitialCoefficient = System.Math.Min(1, MaxCoefficient),
            RelativeTolerance = Tolerance,
        };

        public override ValidationResult Validate()
        {
            if ((Add ?? []).Length == 0) return ValidationResult.Error("give the steering to calibrate: --add HOOK=VECTOR.safetensors");
            foreach (var spec in Add!) VectorEditSpec.Parse(VectorEditKind.Add, spec);
            if ((Kl is null) == (LogProbShift is null)) return ValidationResult.Error("give one target: --kl TARGET or --log-prob-shift TARGET");
            if (Kl is { } kl && !(double.IsFinite(kl) && kl > 0)) return ValidationResult.Error($"--kl {kl} is not a positive finite number");
            if (LogProbShift is { } shift && !(double.IsFinite(shift) && shift != 0)) return ValidationResult.Error($"--log-prob-shift {shift} is not a finite number other than 0");
            if (Percentile is { } p && (Kl is null || !(p >= 0 && p <= 100))) return ValidationResult.Error("--percentile goes with --kl and lies between 0 and 100");
            if ((LogProbShift is null) != (Completions is null)) return ValidationResult.Error("--completions FILE goes with --log-prob-shift, and --log-prob-shift needs it");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var prompts = settings.ReadPrompts();
        var completions = settings.Completions is null ? null : PromptFile.Read(settings.Completions, "--completions");
        if (completions is not null && completions.Count != prompts.Count)
            throw new SteeringException($"--completions {settings.Completions} has {completions.Count} lines and --prompts {settings.Prompts} {prompts.Count}; give one completion per prompt");

        using var model = settings.LoadModel(settings.ModelDir, terminal);
        using var additions = LoadedAdditions.Load(settings.Add, model.Schema, terminal);
        var steering = CoefficientSteering.AddVectors(model, additions.Items);
        var result = terminal.Status("Calibrating", () =>
        {
            if (completions is null)
            {
                using var probe = KlProbe.FromText(model, prompts, settings.KlPositions, settings.Options);
                return Calibration.ForKl(probe, steering, settings.Kl!.Value, settings.Percentile, settings.CalibrationOptions);
            }
            var pairs = prompts.Zip(completions, (p, c) => (p, c)).ToList();
            return Calibration.ForLogProbShift(LogProbProbe.FromText(model, pairs, settings.Options), steering, settings.LogProbShift!.Value, settings.CalibrationOptions);
        });

        terminal.Line($"coefficient: {Number(result.Coefficient)}");
        terminal.Line($"{result.Measure}: {Number(result.Value)} (target {Number(result.Target)})");
        terminal.Line("search: " + string.Join(", ", result.Trace.Select(t => $"{Number(t.Coefficient)} -> {Number(t.Value)}")));
        if (result.Warning is { } warning) terminal.Warn(warning);
        return 0;
    }

    private static string Number(double value) => value.ToString("G5", CultureInfo.InvariantCulture);
}
