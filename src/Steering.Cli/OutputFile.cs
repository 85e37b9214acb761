using System.IO;

namespace Steering.Cli;

/// <summary>Checks an output path before any work is done, so a typo fails at once and with a plain message.</summary>
internal static class OutputFile
{
    /// <exception cref="SteeringException">The folder the file would go in does not exist, or the path is a folder.</exception>
    public static void Check(string path, string option = "--out")
    {
        if (Directory.Exists(path))
            throw new SteeringException($"{option} {path} is a folder; give a file name");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new SteeringException($"{option} {path}: the folder {folder} does not exist");
    }
}
