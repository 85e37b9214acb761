using System;
using System.Diagnostics;
using System.IO;

namespace Steering.Package.Tests;

/// <summary>The outcome of one process run.</summary>
public sealed record ProcessRun(int ExitCode, string Out, string Error, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F0} s\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>Runs the dotnet CLI (or an installed tool) the way a user's shell would, with a time limit.</summary>
public static class Dotnet
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="directory"/> and asserts it succeeds.</summary>
    public static ProcessRun Ok(string directory, params string[] arguments) => Succeeds(Run("dotnet", directory, arguments));

    /// <summary>Asserts that a finished run succeeded.</summary>
    public static ProcessRun Succeeds(ProcessRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    public static ProcessRun Run(string program, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // libtorch's OpenMP threads spin while they wait; beside other test processes on 2 cores that burned 5x the CPU
        // (steer demo: 76 s of CPU, 197-262 s wall; passive: 15 s, 77 s; the same numbers printed).
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(program)} {string.Join(' ', arguments)} took over {Limit.TotalMinutes} minutes");
        }
        process.WaitForExit();
        return new ProcessRun(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }
}
