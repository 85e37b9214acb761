using System.ComponentModel;
using System.Globalization;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Commands;

/// <summary><c>steer vector MODEL_DIR --hook NAME --positive A --negative B --out FILE</c>: a contrast steering vector.</summary>
internal sealed class VectorCommand(Terminal terminal) : Command<VectorCommand.Settings>
{
    internal sealed class Settings : ModelSettings
    {
        [CommandOption("--hook <NAME>")]
        [Description("The hook point, e.g. blocks.6.resid_pre (TransformerLens aliases accepted).")]
        public string Hook { get; set; } = "";

        [CommandOption("--positive <TEXT>")]
        [Description("The prompt the vector points towards, e.g. \"Love\".")]
        public string Positive { get; set; } = "";

        [CommandOption("--negative <TEXT>")]
        [Description("The prompt the vector points away from, e.g. \"Hate\".")]
        public string Negative { get; set; } = "";

        [CommandOption("-o|--out <FILE>")]
        [Description("The vector file to write (safetensors).")]
        public string Out { get; set; } = "";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Hook)) return ValidationResult.Error("--hook NAME is required");
            if (string.IsNullOrEmpty(Positive)) return ValidationResult.Error("--positive TEXT is required");
            if (string.IsNullOrEmpty(Negative)) return ValidationResult.Error("--negative TEXT is required");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputFile.Check(settings.Out);
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        using var vector = terminal.Status("Computing the vector",
            () => SteeringVector.FromContrast(model, settings.Hook, settings.Positive, settings.Negative));
        vector.Save(settings.Out);
        var norm = vector.Values.to(ScalarType.Float64).norm().item<double>();
        terminal.Line($"hook: {vector.HookName}");
        terminal.Line($"shape: [{string.Join(", ", vector.Values.shape)}]");
        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"norm: {norm:G6}"));
        terminal.Line($"wrote: {settings.Out}");
        return 0;
    }
}
