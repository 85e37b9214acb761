using System;
using System.IO;

namespace Steering.Examples;

/// <summary>Finds the embedded demo model, <c>examples/models/tiny-sentiment</c>, from wherever the program runs.</summary>
internal static class ExampleModel
{
    /// <summary>The model folder relative to the repository root (the folder holding Dsl.sln).</summary>
    public const string RelativePath = "examples/models/tiny-sentiment";

    /// <summary>
    /// The model folder: <paramref name="args"/>[0] when given, else the repository's copy, found by walking up from the
    /// program's folder (or the current directory) to Dsl.sln.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No repository above, or the model folder is missing from it.</exception>
    public static string Folder(string[]? args = null)
    {
        if (args is { Length: > 0 }) return args[0];
        var root = FindRepositoryRoot(AppContext.BaseDirectory) ?? FindRepositoryRoot(Directory.GetCurrentDirectory())
            ?? throw new DirectoryNotFoundException(
                $"no Dsl.sln above {AppContext.BaseDirectory}: run the example from the repository, or pass the model folder as the first argument");
        var folder = Path.Combine(root, RelativePath);
        if (!File.Exists(Path.Combine(folder, "config.json")))
            throw new DirectoryNotFoundException(
                $"the demo model is missing: {folder} has no config.json. It is committed with the repository; restore it with 'git checkout -- {RelativePath}'");
        return folder;
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dsl.sln"))) return dir.FullName;
        return null;
    }
}
