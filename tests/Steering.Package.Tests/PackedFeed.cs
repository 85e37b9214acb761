using System;
using System.IO;
using System.Linq;

namespace Steering.Package.Tests;

/// <summary>
/// Steering and the steer tool packed once into a folder feed, at a version no release has; that version's folders
/// in the NuGet cache are cleared before and after, so no test ever reuses a stale pack.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public const string Version = "0.0.0-packagetest";

    /// <summary>What packing reads: the build files, the shipped sources, the demo model the tool carries.</summary>
    private static readonly string[] PackInputs =
    {
        ".editorconfig", "global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "LICENSE",
        "src", Path.Combine("examples", "models", "tiny-sentiment"),
    };

    /// <summary>The copy of <see cref="PackInputs"/> that is packed.</summary>
    private readonly string _source;

    public PackedFeed()
    {
        ClearCachedPackages();
        Folder = Directory.CreateTempSubdirectory("steering-feed-").FullName;
        // Packed from a copy of the sources: restoring and building with this version in the repository itself would
        // rewrite obj/ files that the solution's other builds and tests read at the same time.
        _source = Directory.CreateTempSubdirectory("steering-source-").FullName;
        foreach (var input in PackInputs) Copy(Path.Combine(RepositoryRoot, input), Path.Combine(_source, input));
        // The tool first: its build makes the Release runtime that the library's pack then finds up to date.
        var tool = Dotnet.Ok(_source, "pack", Path.Combine("src", "Steering.Cli"), "-c", "Release", "-o", Folder, "-p:Version=" + Version);
        var library = Dotnet.Ok(_source, "pack", Path.Combine("src", "Steering.Runtime"), "-c", "Release", "-o", Folder, "-p:Version=" + Version);
        Report = $"pack steer {tool.Elapsed.TotalSeconds:F0} s, Steering {library.Elapsed.TotalSeconds:F0} s; " +
                 string.Join(", ", Directory.GetFiles(Folder).Order(StringComparer.Ordinal)
                     .Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length / 1e6:F1} MB"));
    }

    /// <summary>The feed: Steering, Steering.Cli (the tool's pointer package) and Steering.Cli.RID.</summary>
    public string Folder { get; }

    /// <summary>Pack times and package sizes, for the test log.</summary>
    public string Report { get; }

    /// <summary>The repository (the folder holding Dsl.sln) this test assembly was built in.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The demo model in the repository, the model the user's app is run on.</summary>
    public static string DemoModel => Path.Combine(RepositoryRoot, "examples", "models", "tiny-sentiment");

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        Directory.Delete(_source, recursive: true);
        ClearCachedPackages();
    }

    /// <summary>Copies a file, or a folder without its build output (bin/, obj/).</summary>
    private static void Copy(string from, string to)
    {
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            return;
        }
        Assert.True(Directory.Exists(from), $"{from} is missing");
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
            Copy(folder, Path.Combine(to, Path.GetFileName(folder)));
    }

    private static void ClearCachedPackages()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (!Directory.Exists(cache)) return;
        foreach (var package in Directory.GetDirectories(cache, "steering*"))
        {
            var folder = Path.Combine(package, Version);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) return dir.FullName;
        throw new InvalidOperationException("the test runs from inside the repository (no Dsl.sln above " + AppContext.BaseDirectory + ")");
    }
}

/// <summary>The tests that share one packed feed (and so run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class PackageTestGroup : ICollectionFixture<PackedFeed>
{
    public const string Name = "packages";
}

/// <summary>
/// A fresh folder outside the repository, as a user's: no Directory.Build.*, Directory.Packages.props or global.json
/// of the repository (or anyone's) above it.
/// </summary>
public sealed class UserFolder : IDisposable
{
    public UserFolder()
    {
        Path = Directory.CreateTempSubdirectory("steering-user-").FullName;
        Assert.False(Path.StartsWith(PackedFeed.RepositoryRoot, StringComparison.Ordinal), $"{Path} is inside the repository");
        for (var dir = new DirectoryInfo(Path); dir is not null; dir = dir.Parent)
            foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
                Assert.False(File.Exists(System.IO.Path.Combine(dir.FullName, file)), $"{file} in {dir.FullName} would change the user's build");
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail a test that passed.
        }
    }
}
