using System;
using System.IO;

namespace Steering.Generators.Tests.Support;

/// <summary>
/// Snapshot comparison against files checked in under Baselines/. Line endings are normalized to LF.
/// To accept new output: <c>STEERING_UPDATE_BASELINES=1 dotnet test tests/Steering.Generators.Tests</c>, then review the diff.
/// </summary>
public static class Baseline
{
    public static void Match(string name, string actual)
    {
        var path = Path.Combine(Harness.SourceDirectory(), "..", "Baselines", name + ".txt");
        actual = Normalize(actual);
        if (Environment.GetEnvironmentVariable("STEERING_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"no baseline {path}: run with STEERING_UPDATE_BASELINES=1 to create it");
        Assert.Equal(Normalize(File.ReadAllText(path)), actual);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
