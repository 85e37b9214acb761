using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Steering.Checkpoints;

/// <summary>
/// A parsed <c>model.safetensors.index.json</c>: <c>{"metadata": {...}, "weight_map": {tensor name: shard file}}</c>.
/// </summary>
internal static class ShardIndex
{
    /// <summary>The weight map in file order, with every shard name checked to stay inside <paramref name="folder"/>.</summary>
    /// <exception cref="CheckpointException">The index cannot be read or is malformed.</exception>
    public static List<KeyValuePair<string, string>> Read(string indexPath, string folder)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(indexPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(indexPath, $"cannot read the index ({e.Message})", e);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(indexPath, $"the index is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(indexPath, "the index is not a JSON object");
            }
            // Hugging Face puts numbers such as "total_size" here, so only its shape is checked.
            if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                throw new CheckpointException(indexPath, "\"metadata\" is not a JSON object");
            }
            if (!root.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(indexPath, "the index has no \"weight_map\" object mapping tensor names to shard files");
            }

            var map = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in weightMap.EnumerateObject())
            {
                if (!seen.Add(item.Name))
                {
                    throw new CheckpointException(indexPath, $"tensor '{item.Name}' appears twice in \"weight_map\"");
                }
                if (item.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CheckpointException(indexPath, $"\"weight_map\" maps tensor '{item.Name}' to a non-string; expected a shard file name");
                }
                var shard = item.Value.GetString()!;
                CheckInsideFolder(indexPath, folder, item.Name, shard);
                map.Add(new(item.Name, shard));
            }
            return map;
        }
    }

    private static void CheckInsideFolder(string indexPath, string folder, string tensor, string shard)
    {
        // An index is data from the internet: "../../.ssh/id_rsa" or "/etc/passwd" must not be opened on its say-so.
        string? problem;
        try
        {
            problem = shard.Length == 0 || shard.IndexOfAny(Path.GetInvalidPathChars()) >= 0
                ? "an empty or invalid file name"
                : Path.IsPathRooted(shard)
                    ? "an absolute path"
                    : IsOutside(folder, shard) ? "a path outside the model folder" : null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            problem = "an invalid file name";
        }
        if (problem is not null)
        {
            throw new CheckpointException(indexPath, $"\"weight_map\" maps tensor '{tensor}' to \"{shard}\", {problem}");
        }
    }

    private static bool IsOutside(string folder, string shard)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, shard));
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return !full.StartsWith(root, comparison) || full.Length == root.Length;
    }
}
