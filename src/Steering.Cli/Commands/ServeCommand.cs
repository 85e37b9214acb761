using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Net;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Server;

namespace Steering.Cli.Commands;

/// <summary><c>steer serve MODEL_DIR --port N [--vector NAME=FILE ...]</c>: an OpenAI-compatible server until Ctrl+C.</summary>
internal sealed class ServeCommand(Terminal terminal) : Command<ServeCommand.Settings>
{
    internal sealed class Settings : ModelSettings
    {
        [CommandOption("--port <N>")]
        [Description("The TCP port (0 picks a free one).")]
        [DefaultValue(8000)]
        public int Port { get; set; } = 8000;

        [CommandOption("--host <ADDRESS>")]
        [Description("The address to listen on: 127.0.0.1 (the default: this machine only), 0.0.0.0 for every IPv4 interface, or any IP address.")]
        [DefaultValue("127.0.0.1")]
        public string Host { get; set; } = "127.0.0.1";

        [CommandOption("--vector <NAME=FILE>")]
        [Description("A steering vector requests may name in \"steering\": [{\"vector\": \"NAME\", \"hook\": ..., \"coefficient\": ...}]; repeatable.")]
        public string[] Vectors { get; set; } = [];

        [CommandOption("--name <NAME>")]
        [Description("The model's id in /v1/models and in requests (default: the folder's name).")]
        public string? Name { get; set; }

        [CommandOption("--max-batch-size <N>")]
        [Description("The most requests decoded together in one forward pass.")]
        [DefaultValue(32)]
        public int MaxBatchSize { get; set; } = 32;

        /// <summary>The <c>--vector</c> options by name.</summary>
        /// <exception cref="SteeringException">One is not NAME=FILE, or a name is given twice.</exception>
        public Dictionary<string, string> VectorFiles()
        {
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var spec in Vectors ?? [])
            {
                var equals = spec.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? "" : spec[..equals].Trim();
                var path = equals < 0 ? "" : spec[(equals + 1)..].Trim();
                if (name.Length == 0 || path.Length == 0) throw new SteeringException($"--vector '{spec}' is not NAME=FILE");
                if (!files.TryAdd(name, path)) throw new SteeringException($"--vector names '{name}' twice");
            }
            return files;
        }

        /// <summary>The <c>--host</c> address.</summary>
        /// <exception cref="SteeringException">It is not an IP address or localhost.</exception>
        public IPAddress Address() =>
            Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(Host, out var address) ? address
            : throw new SteeringException($"--host '{Host}' is not an IP address (127.0.0.1, 0.0.0.0, ::1, ...)");

        public override ValidationResult Validate()
        {
            if (Port is < 0 or > 65535) return ValidationResult.Error($"--port {Port} is not a TCP port (0 to 65535)");
            if (MaxBatchSize < 1) return ValidationResult.Error($"--max-batch-size is {MaxBatchSize}; it must be at least 1");
            VectorFiles();
            Address();
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        var options = new SteeringServerOptions
        {
            ModelName = settings.Name ?? System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(settings.ModelDir))),
            Address = settings.Address(),
            Port = settings.Port,
            VectorFiles = settings.VectorFiles(),
            MaxBatchSize = settings.MaxBatchSize,
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Ctrl+C and SIGTERM (a service manager, a container) stop the server cleanly instead of killing the process.
        Action<PosixSignalContext> onSignal = signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        };
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
        var server = SteeringServer.StartAsync(model, options, stop.Token).GetAwaiter().GetResult();
        try
        {
            terminal.Line($"serving '{options.ModelName}' at {server.Address}v1 (OpenAI-compatible; Ctrl+C stops)");
            foreach (var (name, path) in options.VectorFiles) terminal.Line($"  steering vector '{name}': {path}");
            stop.Token.WaitHandle.WaitOne();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        terminal.Line("stopped");
        return 0;
    }
}
