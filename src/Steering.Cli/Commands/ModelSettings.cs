using System.ComponentModel;
using Spectre.Console.Cli;

namespace Steering.Cli.Commands;

/// <summary>Options of commands that work on one model folder.</summary>
internal class ModelSettings : LoadSettings
{
    [CommandArgument(0, "<MODEL_DIR>")]
    [Description("A Hugging Face model folder: config.json, safetensors weights, tokenizer files.")]
    public string ModelDir { get; set; } = "";
}
