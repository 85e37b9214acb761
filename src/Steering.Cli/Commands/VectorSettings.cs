using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using Spectre.Console.Cli;
using Steering.Hooks;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Commands;

/// <summary>Options of the commands that build vectors on a model: the points, the file to write, batching.</summary>
internal class VectorSettings : ModelSettings
{
    [CommandOption("--hooks|--hook <NAMES>")]
    [Description("Hook points, comma-separated, with braces: \"blocks.{4..8}.resid_post\" (TransformerLens aliases accepted).")]
    public string Hooks { get; set; } = "";

    [CommandOption("-o|--out <FILE>")]
    [Description("The vector file to write (safetensors, one tensor per hook point).")]
    public string Out { get; set; } = "";

    [CommandOption("--batch-size <N>")]
    [Description("Prompts per forward pass.")]
    [DefaultValue(8)]
    public int BatchSize { get; set; } = 8;

    public override Spectre.Console.ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Hooks)) return Spectre.Console.ValidationResult.Error("--hooks NAMES is required");
        if (string.IsNullOrWhiteSpace(Out)) return Spectre.Console.ValidationResult.Error("--out FILE is required");
        if (BatchSize < 1) return Spectre.Console.ValidationResult.Error("--batch-size must be at least 1");
        return base.Validate();
    }

    /// <summary>The model's points named by <see cref="Hooks"/>, every name checked before any work.</summary>
    /// <exception cref="SteeringException">A malformed list or an unknown point.</exception>
    public IReadOnlyList<HookPoint> Points(HookedTransformer model) => HookList.Expand(Hooks).Select(h => model.Hooks[h]).Distinct().ToList();

    /// <summary>Saves <paramref name="vectors"/> to <see cref="Out"/> and prints each site, its shape and norm.</summary>
    public void Write(SteeringVectors vectors, Terminal terminal)
    {
        vectors.Save(Out);
        if (vectors.Method is { } method) terminal.Line($"method: {method}");
        foreach (var (hook, vector) in vectors)
        {
            var norm = vector.to(ScalarType.Float64).norm().item<double>();
            terminal.Line($"hook: {hook}");
            terminal.Line($"shape: [{string.Join(", ", vector.shape)}]");
            terminal.Line(string.Create(CultureInfo.InvariantCulture, $"norm: {norm:G6}"));
        }
        terminal.Line($"wrote: {Out}");
    }
}
