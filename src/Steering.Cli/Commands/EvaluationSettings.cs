using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Evaluation;

namespace Steering.Cli.Commands;

/// <summary>Options of commands that measure steering on a prompt set: calibrate and sweep.</summary>
internal class EvaluationSettings : ModelSettings
{
    [CommandOption("--prompts <FILE>")]
    [Description("The prompts to measure on: a text file, one prompt per line.")]
    public string? Prompts { get; set; }

    [CommandOption("--positions <WHERE>")]
    [Description("Where KL compares next-token distributions: all (every real position of each prompt) or last.")]
    [DefaultValue("all")]
    public string Positions { get; set; } = "all";

    [CommandOption("--batch-size <N>")]
    [Description("How many prompts go through the model at once (left-padded together).")]
    [DefaultValue(8)]
    public int BatchSize { get; set; } = 8;

    /// <summary>Where KL is compared.</summary>
    public KlPositions KlPositions => Positions.ToLowerInvariant() switch
    {
        "all" => KlPositions.All,
        "last" => KlPositions.Last,
        _ => throw new SteeringException($"--positions {Positions}: write all or last"),
    };

    /// <summary>How the probes run the model.</summary>
    public EvaluationOptions Options => new() { BatchSize = BatchSize };

    /// <summary>The prompts file's prompts.</summary>
    public System.Collections.Generic.IReadOnlyList<string> ReadPrompts() => PromptFile.Read(Prompts!, "--prompts");

    public override ValidationResult Validate()
    {
        if (string.IsNullOrEmpty(Prompts)) return ValidationResult.Error("give the prompts to measure on: --prompts FILE (one per line)");
        if (BatchSize < 1) return ValidationResult.Error($"--batch-size is {BatchSize}; it must be at least 1");
        _ = KlPositions;
        return base.Validate();
    }
}
