using System;
using System.Diagnostics;
using System.IO;

namespace Steering.Generators.Tests;

/// <summary>
/// What a user gets from <c>dotnet add package Steering</c>: the package is packed, a consumer project restores it
/// from a local folder feed and builds, and the generator runs from <c>analyzers/dotnet/cs</c> (the consumer uses
/// generated members, including the schema class in its RootNamespace, which build/Steering.props makes visible).
/// </summary>
public sealed class PackageTests
{
    /// <summary>A version no real release has; its folder in the NuGet cache is cleared first, so the test never reuses a stale pack.</summary>
    private const string Version = "0.0.0-packagetest";

    [Fact]
    public void A_consumer_builds_from_the_packed_package_and_runs_the_generator()
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("steering-package-").FullName;
        try
        {
            ClearCachedPackage();
            Dotnet(root, "pack", Path.Combine(root, "src", "Steering.Runtime"), "-c", "Release", "-o", Path.Combine(work, "feed"), "-p:Version=" + Version);
            foreach (var file in Directory.GetFiles(Path.Combine(root, "tests", "Steering.Generators.Tests", "PackageConsumer")))
                File.Copy(file, Path.Combine(work, Path.GetFileName(file)));
            // The local feed is added to the sources the machine already has (no <clear/>), so dependencies restore as usual.
            File.WriteAllText(Path.Combine(work, "nuget.config"),
                "<configuration><packageSources><add key=\"local\" value=\"feed\" /></packageSources></configuration>");

            var output = Dotnet(work, "run", "--project", Path.Combine(work, "Consumer.csproj"), "-p:SteeringVersion=" + Version);
            Assert.Contains("blocks.1.resid_post [batch, pos, d_model] / blocks.0.resid_post", output);
            var generated = Path.Combine(work, "obj", "Debug", "net10.0", "generated", "Steering.Generators", "Steering.Generators.SteerAtGenerator", "LoveHate.SteerAt.g.cs");
            Assert.Contains("partial class LoveHate : global::Steering.SteeringVectorSet", File.ReadAllText(generated));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            ClearCachedPackage();
        }
    }

    private static string Dotnet(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} took over 8 minutes");
        }
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output.Result}\n{error.Result}");
        return output.Result;
    }

    private static void ClearCachedPackage()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var folder = Path.Combine(cache, "steering", Version);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) return dir.FullName;
        throw new InvalidOperationException("the test runs from inside the repository (no Dsl.sln above " + AppContext.BaseDirectory + ")");
    }
}
