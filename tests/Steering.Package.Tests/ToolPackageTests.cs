using System;
using System.IO;
using System.Linq;
using Xunit.Abstractions;

namespace Steering.Package.Tests;

/// <summary>
/// README's "Install the tool", followed outside the repository: steer installed from the feed into a tool folder
/// (and run once by dnx) inspects a model and runs the demo on the model it carries — no repository to find.
/// </summary>
[Collection(PackageTestGroup.Name)]
public sealed class ToolPackageTests(PackedFeed feed, ITestOutputHelper log)
{
    private const string Section = "Install the tool";

    [Fact]
    public void The_installed_tool_inspects_a_model_and_runs_the_demo_on_the_model_it_carries()
    {
        log.WriteLine(feed.Report);
        var commands = Readme.Commands(Section);
        Assert.Contains("dotnet tool install --global --add-source ~/steering-feed Steering.Cli", commands);
        Assert.Contains("steer demo", commands);
        using var user = new UserFolder();
        var tools = Path.Combine(user.Path, "tools");
        var install = Dotnet.Ok(user.Path, "tool", "install", "--tool-path", tools, "--add-source", feed.Folder, "--version", PackedFeed.Version, "Steering.Cli");
        log.WriteLine($"dotnet tool install: {install.Elapsed.TotalSeconds:F0} s");
        var steer = Path.Combine(tools, OperatingSystem.IsWindows() ? "steer.exe" : "steer");

        var info = Dotnet.Succeeds(Dotnet.Run(steer, user.Path, "info", PackedFeed.DemoModel));
        Assert.Contains("architecture: gpt2", info.Out);
        Assert.Contains("n_layers: 4", info.Out);

        var demo = Dotnet.Succeeds(Dotnet.Run(steer, user.Path, "demo", "-n", "8"));
        log.WriteLine($"steer demo: {demo.Elapsed.TotalSeconds:F0} s\n{demo.Out}");
        Assert.Contains("model: tiny-sentiment (gpt2, 4 layers, d_model 96)", demo.Out);
        var lines = demo.Out.Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Contains(lines, l => l.StartsWith("0: I think dogs are", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-1: I think dogs are", StringComparison.Ordinal) && l.Contains("hate", StringComparison.Ordinal));
        Assert.Contains("plot: steering-sweep.svg", demo.Out);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(user.Path, "steering-sweep.svg")));
    }

    [Fact]
    public void Dnx_runs_the_tool_once_from_the_feed()
    {
        Assert.Contains("`dotnet dnx --add-source ~/steering-feed Steering.Cli demo`", Readme.Section(Section));
        using var user = new UserFolder();
        var run = Dotnet.Ok(user.Path, "dnx", "--yes", "--add-source", feed.Folder, "Steering.Cli@" + PackedFeed.Version, "info", PackedFeed.DemoModel);
        log.WriteLine($"dotnet dnx: {run.Elapsed.TotalSeconds:F0} s");
        Assert.Contains("architecture: gpt2", run.Out);
    }
}
