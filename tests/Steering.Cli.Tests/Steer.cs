using System;
using System.IO;
using System.Linq;

namespace Steering.Cli.Tests;

/// <summary>The outcome of one in-process <c>steer</c> run.</summary>
public sealed record SteerRun(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>The value of the first <c>key: value</c> line.</summary>
    public string Field(string key) =>
        OutLines.First(l => l.StartsWith(key + ": ", StringComparison.Ordinal))[(key.Length + 2)..];

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

public static class Steer
{
    /// <summary>Runs <c>steer</c> in this process with captured, non-interactive output.</summary>
    public static SteerRun Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = SteerApp.Run(args, output, error);
        return new SteerRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts success.</summary>
    public static SteerRun Ok(params string[] args)
    {
        var run = Run(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    /// <summary>Runs and asserts the error contract: non-zero exit, exactly one <c>error:</c> line on stderr, no stack trace.</summary>
    public static string Fails(params string[] args)
    {
        var run = Run(args);
        Assert.True(run.ExitCode != 0, run.ToString());
        var lines = run.ErrorLines;
        Assert.True(lines.Length == 1, run.ToString());
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", run.Error);
        Assert.DoesNotContain("Exception", lines[0]);
        return lines[0];
    }
}
