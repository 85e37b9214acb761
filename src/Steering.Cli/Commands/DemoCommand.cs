using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Cli.Demo;
using Steering.Editing;
using Steering.Generation;
using Steering.Schema;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer demo [MODEL_DIR]</c>: the README's first command. Builds Love − Hate at a middle layer and shows
/// "I think dogs are" continued with coefficient 0, +c and −c.
/// </summary>
internal sealed class DemoCommand(Terminal terminal) : Command<DemoCommand.Settings>
{
    /// <summary>
    /// The demo model, next to steer: the project copies examples/models/tiny-sentiment there, so it is in the build
    /// output and in the installed tool alike.
    /// </summary>
    public static string DemoModelFolder { get; } = Path.Combine(AppContext.BaseDirectory, "models", "tiny-sentiment");

    /// <summary>The prompt the demo continues.</summary>
    public const string Prompt = "I think dogs are";

    internal sealed class Settings : LoadSettings
    {
        [CommandArgument(0, "[MODEL_DIR]")]
        [Description("A model folder; by default the demo model that comes with steer (tiny-sentiment).")]
        public string? ModelDir { get; set; }

        [CommandOption("-c|--coefficient <C>")]
        [Description("How strongly to steer: the completions use 0, +C and -C.")]
        [DefaultValue(1.0)]
        public double Coefficient { get; set; } = 1.0;

        [CommandOption("--hook <NAME>")]
        [Description("Where to steer (the middle block's resid_pre by default).")]
        public string? Hook { get; set; }

        [CommandOption("--plot <FILE>")]
        [Description("Where to write the sweep's plot (SVG): sentiment score against coefficient, a line per layer.")]
        [DefaultValue("steering-sweep.svg")]
        public string Plot { get; set; } = "steering-sweep.svg";

        [CommandOption("-n|--max-new-tokens <N>")]
        [Description("The most tokens each completion adds.")]
        [DefaultValue(20)]
        public int MaxNewTokens { get; set; } = 20;

        public override ValidationResult Validate()
        {
            if (!double.IsFinite(Coefficient)) return ValidationResult.Error($"--coefficient {Coefficient} is not a finite number");
            if (MaxNewTokens < 0) return ValidationResult.Error($"--max-new-tokens is {MaxNewTokens}; it cannot be negative");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = settings.ModelDir ?? DemoModelFolder;
        if (settings.ModelDir is null && !Directory.Exists(folder))
            throw new SteeringException($"the demo model is missing: steer expects it in {folder}; reinstall steer or give MODEL_DIR");
        Run(folder, settings);
        return 0;
    }

    private void Run(string folder, Settings settings)
    {
        using var model = settings.LoadModel(folder, terminal);
        var hook = settings.Hook ?? HookNames.Block(model.Dimensions.NLayers / 2, "resid_pre");
        using var vector = terminal.Status("Computing Love - Hate", () => SteeringVector.FromContrast(model, hook, "Love", "Hate"));
        var norm = vector.Values.to(ScalarType.Float64).norm().item<double>();
        terminal.Line($"model: {model.Schema.Name} ({model.Schema.Architecture}, {model.Dimensions.NLayers} layers, d_model {model.Dimensions.DModel})");
        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"vector: Love - Hate at {vector.HookName}, norm {norm:G4}"));

        var prompt = new IReadOnlyList<int>[] { model.Tokenizer.Encode(Prompt) };
        var options = GenerationOptions.Greedy(settings.MaxNewTokens);
        var c = settings.Coefficient;
        var rows = new List<(string Coefficient, string Text)>();
        terminal.Status("Generating", () =>
        {
            foreach (var coefficient in new[] { 0.0, c, -c })
            {
                var steering = coefficient == 0 ? null : SteeringSpec.Empty.Add(vector.HookName!, vector.Values, coefficient);
                var text = model.Generate(prompt, options with { Steering = steering })[0].Text;
                rows.Add((coefficient.ToString("+0.###;-0.###;0", CultureInfo.InvariantCulture), Prompt + text));
            }
            return rows;
        });

        if (terminal.Interactive)
        {
            var table = new Table().AddColumn("coefficient").AddColumn("greedy completion");
            foreach (var (coefficient, text) in rows) table.AddRow(Markup.Escape(coefficient), Markup.Escape(Shown(text)));
            terminal.Console.Write(table);
        }
        else
        {
            foreach (var (coefficient, text) in rows)
                terminal.Line($"{coefficient,6}: {Shown(text)}");
        }
        Sweep(model, settings);
    }

    /// <summary>
    /// The sentiment score of seeded sampled completions for unseen subjects, per coefficient and per layer
    /// (Love − Hate made at each block's resid_pre), printed and plotted.
    /// </summary>
    private void Sweep(HookedTransformer model, Settings settings)
    {
        var c = settings.Coefficient;
        var coefficients = new[] { -c, -c / 2, 0, c / 2, c };
        var curves = new Dictionary<string, IReadOnlyList<(double Coefficient, double Score)>>();
        terminal.Status("Sweeping coefficients and layers", () =>
        {
            for (var layer = 0; layer < model.Dimensions.NLayers; layer++)
            {
                var hook = HookNames.Block(layer, "resid_pre");
                using var vector = SteeringVector.FromContrast(model, hook, "Love", "Hate");
                curves[hook] = coefficients.Select(k => (k, SteeringSweep.Score(model, hook, vector.Values, k))).ToList();
            }
            return curves;
        });

        terminal.Line($"sentiment score of sampled completions for {SteeringSweep.HeldOutPrompts.Count} unseen subjects (+1 all positive, -1 all negative):");
        terminal.Line("coefficient " + string.Concat(curves.Keys.Select(k => $"{k,20}")));
        for (var i = 0; i < coefficients.Length; i++)
            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{coefficients[i],11:+0.##;-0.##;0} ") +
                          string.Concat(curves.Values.Select(points => string.Create(CultureInfo.InvariantCulture, $"{points[i].Score,20:+0.000;-0.000;0.000}"))));
        SweepPlot.Write(settings.Plot, $"Steering {model.Schema.Name} with Love − Hate", curves);
        terminal.Line($"plot: {settings.Plot}");
    }

    /// <summary>The completion on one line: line breaks and tabs shown as escapes.</summary>
    private static string Shown(string text) =>
        text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
