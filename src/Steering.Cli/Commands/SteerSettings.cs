using System.ComponentModel;
using Spectre.Console.Cli;

namespace Steering.Cli.Commands;

/// <summary>Options every command takes.</summary>
internal class SteerSettings : CommandSettings
{
    [CommandOption("--verbose")]
    [Description("On an error, print the stack trace too.")]
    public bool Verbose { get; set; }
}
