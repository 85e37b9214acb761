using System.ComponentModel;
using System.Globalization;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Sae;
using static TorchSharp.torch;

namespace Steering.Cli.Commands;

/// <summary><c>steer vector sae SAE_DIR --feature N --out FILE [--model MODEL_DIR]</c>: a feature's decoder row as a steering vector.</summary>
internal sealed class VectorSaeCommand(Terminal terminal) : Command<VectorSaeCommand.Settings>
{
    internal sealed class Settings : LoadSettings
    {
        [CommandArgument(0, "<SAE_DIR>")]
        [Description("A SAELens folder: cfg.json and sae_weights.safetensors.")]
        public string SaeDir { get; set; } = "";

        [CommandOption("--feature <N>")]
        [Description("The feature whose decoder row to write.")]
        public int? Feature { get; set; }

        [CommandOption("--scale <S>")]
        [Description("A factor for the row.")]
        [DefaultValue(1.0)]
        public double Scale { get; set; } = 1.0;

        [CommandOption("--model <MODEL_DIR>")]
        [Description("The model the SAE belongs to: checks the hook point's size and records the model in the file.")]
        public string? Model { get; set; }

        [CommandOption("-o|--out <FILE>")]
        [Description("The vector file to write.")]
        public string Out { get; set; } = "";

        public override ValidationResult Validate()
        {
            if (Feature is null) return ValidationResult.Error("--feature N is required");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputFile.Check(settings.Out);
        using var sae = SparseAutoencoder.Load(settings.SaeDir);
        using var model = settings.Model is null ? null : settings.LoadModel(settings.Model, terminal);
        using var vectors = model is null
            ? sae.FeatureVector(settings.Feature!.Value, settings.Scale)
            : sae.FeatureVector(model, settings.Feature!.Value, settings.Scale);
        vectors.Save(settings.Out);
        var norm = vectors.Single.to(ScalarType.Float64).norm().item<double>();
        terminal.Line($"sae: {sae.Config.Architecture}, d_in {sae.Config.DIn}, d_sae {sae.Config.DSae}");
        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"hook: {sae.HookName}  feature: {settings.Feature}  norm: {norm:G6}"));
        terminal.Line($"wrote: {settings.Out}");
        return 0;
    }
}
