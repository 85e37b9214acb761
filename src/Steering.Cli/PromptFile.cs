using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Steering.Cli;

/// <summary>A text file of prompts (or completions, or neutral texts): one per line, blank lines skipped.</summary>
internal static class PromptFile
{
    /// <summary>The file's non-blank lines, in order.</summary>
    /// <exception cref="SteeringException">The file is missing or holds no non-blank line.</exception>
    public static IReadOnlyList<string> Read(string path, string option)
    {
        if (!File.Exists(path)) throw new SteeringException($"{option} {path}: no such file");
        var lines = File.ReadAllLines(path).Select(line => line.TrimEnd('\r')).Where(line => line.Trim().Length > 0).ToList();
        return lines.Count > 0 ? lines : throw new SteeringException($"{option} {path} holds no text; write one per line");
    }
}
