using System;
using System.IO;
using Spectre.Console.Cli;
using Steering.Cli;

namespace Steering.DemoModel;

/// <summary>The command line of the demo-model maker: one command (<see cref="TrainCommand"/>), errors as one line.</summary>
internal static class DemoModelApp
{
    /// <summary>Trains and saves the demo model; bad input prints <c>error: …</c> to <paramref name="error"/> and returns 1.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var terminal = new Terminal(output, error, interactive: false);
        var app = new CommandApp<TrainCommand>();
        app.Configure(config =>
        {
            config.SetApplicationName("Steering.DemoModel");
            config.ConfigureConsole(terminal.Console);
            config.PropagateExceptions();
            config.Settings.StrictParsing = true;
            config.Settings.Registrar.RegisterInstance(terminal);
        });
        try
        {
            return app.Run(args);
        }
        catch (Exception e) when (e is SteeringException or CommandAppException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + Terminal.OneLine(e.Message));
            return 1;
        }
    }
}
