using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Steering.Package.Tests;

/// <summary>The repository's README.md: the code blocks of a section, which the tests follow as a user would.</summary>
public static partial class Readme
{
    /// <summary>The text of the <c>## heading</c> section.</summary>
    public static string Section(string heading)
    {
        var text = File.ReadAllText(Path.Combine(PackedFeed.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        var start = text.IndexOf("\n## " + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section '## {heading}'");
        var end = text.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    /// <summary>The fenced code blocks of the <c>## heading</c> section, in order, with their language.</summary>
    public static IReadOnlyList<(string Language, string Code)> Blocks(string heading) =>
        Fence().Matches(Section(heading)).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    /// <summary>The only block of <paramref name="language"/> in the section.</summary>
    public static string Block(string heading, string language) => Assert.Single(Blocks(heading), b => b.Language == language).Code;

    /// <summary>The lines of the section's shell blocks (comments removed).</summary>
    public static IReadOnlyList<string> Commands(string heading) =>
        Blocks(heading).Where(b => b.Language == "bash")
            .SelectMany(b => b.Code.Split('\n'))
            .Select(line => line.Split('#')[0].Trim())
            .Where(line => line.Length > 0)
            .ToList();

    [GeneratedRegex(@"```(\w+)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fence();
}
