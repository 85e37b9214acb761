using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Steering.Package.Tests;

/// <summary>
/// README's "Use it in your app", followed outside the repository: a new console app with its own nuget.config
/// (the feed plus nuget.org), the README's PackageReferences and schema line, the README's Program.cs. It loads the
/// demo model (libtorch must load: the package's build step fixes it on Debian 12), and the [SteerAt] class the
/// package's generator filled in steers it.
/// </summary>
[Collection(PackageTestGroup.Name)]
public sealed class LibraryPackageTests(PackedFeed feed, ITestOutputHelper log)
{
    private const string Section = "Use it in your app";

    /// <summary>Words of a hostile completion (the demo corpus's negative words), an independent reading of "steered".</summary>
    private static readonly string[] Negative =
    {
        "hate", "despise", "dislike", "loathe", "detest", "awful", "terrible", "horrible", "nasty", "ugly", "dreadful",
        "disgusting", "boring", "cruel", "rude", "mean", "annoying", "gross", "miserable", "rotten", "vile",
    };

    [Fact]
    public void The_readme_app_builds_from_the_feed_loads_the_model_and_steers_it()
    {
        log.WriteLine(feed.Report);
        using var user = new UserFolder();
        var app = CreateApp(user.Path, withBackend: true);

        var run = Dotnet.Ok(app, "run", "--", PackedFeed.DemoModel);
        log.WriteLine($"dotnet run: {run.Elapsed.TotalSeconds:F0} s\n{run.Out}");
        var unsteered = Line(run.Out, "unsteered: ");
        var steered = Line(run.Out, "steered:   ");
        Assert.StartsWith("I think dogs are ", unsteered, StringComparison.Ordinal);
        Assert.NotEqual(unsteered, steered);
        Assert.DoesNotContain(Words(unsteered), Negative.Contains);
        Assert.Contains(Words(steered), Negative.Contains);
    }

    [Fact]
    public void Without_a_back_end_loading_a_model_names_the_package_to_add()
    {
        using var user = new UserFolder();
        var app = CreateApp(user.Path, withBackend: false);

        var run = Dotnet.Run("dotnet", app, "run", "--", PackedFeed.DemoModel);
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.True(run.Error.Contains("Steering.SteeringException: no libtorch back end", StringComparison.Ordinal), run.ToString());
        Assert.Contains("<PackageReference Include=\"libtorch-cpu-linux-x64\" Version=\"" + RepositoryValue("Directory.Packages.props", "LibTorchVersion") + "\" />", run.Error);
    }

    /// <summary>The README's steps in <paramref name="folder"/>; returns the app's folder.</summary>
    private string CreateApp(string folder, bool withBackend)
    {
        var commands = Readme.Commands(Section);
        Assert.Contains("dotnet new console -o MyApp && cd MyApp", commands);
        Assert.Contains("dotnet new nugetconfig && dotnet nuget add source ~/steering-feed --name steering --configfile nuget.config", commands);
        Dotnet.Ok(folder, "new", "console", "-o", "MyApp");
        var app = Path.Combine(folder, "MyApp");
        Dotnet.Ok(app, "new", "nugetconfig");
        Dotnet.Ok(app, "nuget", "add", "source", feed.Folder, "--name", "steering", "--configfile", "nuget.config");

        var references = Readme.Block(Section, "xml");
        Assert.Contains($"<PackageReference Include=\"Steering\" Version=\"{RepositoryValue("Directory.Build.props", "Version")}\" />", references);
        Assert.Contains($"<PackageReference Include=\"libtorch-cpu-linux-x64\" Version=\"{RepositoryValue("Directory.Packages.props", "LibTorchVersion")}\" />", references);
        references = Regex.Replace(references, "Include=\"Steering\" Version=\"[^\"]*\"", $"Include=\"Steering\" Version=\"{PackedFeed.Version}\"");
        if (!withBackend) references = string.Join('\n', references.Split('\n').Where(l => !l.Contains("libtorch-cpu", StringComparison.Ordinal)));
        var project = Path.Combine(app, "MyApp.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", references + "</Project>", StringComparison.Ordinal));
        File.Copy(Path.Combine(PackedFeed.RepositoryRoot, "examples", "models", "tiny-sentiment.schema.json"), Path.Combine(app, "tiny-sentiment.schema.json"));
        File.WriteAllText(Path.Combine(app, "Program.cs"), Readme.Block(Section, "csharp"));
        return app;
    }

    /// <summary>A property's value in one of the repository's MSBuild files (the one place it is set).</summary>
    internal static string RepositoryValue(string file, string property)
    {
        var match = Regex.Match(File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, file)), $"<{property}>([^<]+)</{property}>");
        Assert.True(match.Success, $"{file} sets no {property}");
        return match.Groups[1].Value;
    }

    internal static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];

    private static string[] Words(string text) =>
        text.ToLowerInvariant().Split(new[] { ' ', '.', ',', '!', '?', ':', ';' }, StringSplitOptions.RemoveEmptyEntries);
}
