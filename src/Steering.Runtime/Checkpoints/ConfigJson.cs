using System;
using System.IO;
using System.Text.Json;

namespace Steering.Checkpoints;

/// <summary>
/// Typed reads from a Hugging Face <c>config.json</c>, each failure a <see cref="CheckpointException"/> naming the
/// file and the key. Absent keys take the documented default of the architecture's config class.
/// </summary>
public sealed class ConfigJson : IDisposable
{
    private readonly JsonDocument _document;

    private ConfigJson(string path, JsonDocument document)
    {
        Path = path;
        _document = document;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The file name every Hugging Face model folder has.</summary>
    public const string FileName = "config.json";

    /// <summary>Reads <c>config.json</c> from a model folder.</summary>
    /// <exception cref="CheckpointException">The folder or file is missing, or the file is not a JSON object.</exception>
    public static ConfigJson ReadFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new CheckpointException(folder, "no such model folder");
        var path = System.IO.Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new CheckpointException(path, "missing: a Hugging Face model folder has a config.json");
        try
        {
            var info = new FileInfo(path);
            if (info.Length > 16 << 20)
                throw new CheckpointException(path, $"{info.Length} bytes is too large for a config file");
            var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new CheckpointException(path, "not a JSON object");
            }
            return new ConfigJson(path, document);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}", e);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The Hugging Face <c>model_type</c>.</summary>
    public string ModelType => GetString("model_type", null)
        ?? throw new CheckpointException(Path, "has no \"model_type\" (which architecture is this?)");

    /// <summary>A string value, or <paramref name="fallback"/> when absent or null.</summary>
    public string? GetString(string key, string? fallback) =>
        TryGet(key, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(key, "a string", value)
            : fallback;

    /// <summary>A whole number, or <paramref name="fallback"/> when absent or null.</summary>
    public int GetInt(string key, int fallback) => GetOptionalInt(key) ?? fallback;

    /// <summary>A whole number, or null when absent or null.</summary>
    public int? GetOptionalInt(string key) =>
        !TryGet(key, out var value) ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
        : throw Wrong(key, "a whole number", value);

    /// <summary>A positive whole number; required unless <paramref name="fallback"/> is given.</summary>
    public int GetPositiveInt(string key, int? fallback = null)
    {
        var value = GetOptionalInt(key) ?? fallback
            ?? throw new CheckpointException(Path, $"has no \"{key}\"");
        return value > 0 ? value : throw new CheckpointException(Path, $"\"{key}\" is {value}; it must be positive");
    }

    /// <summary>A number, or <paramref name="fallback"/> when absent or null.</summary>
    public double GetDouble(string key, double fallback) =>
        !TryGet(key, out var value) ? fallback
        : value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : throw Wrong(key, "a number", value);

    /// <summary>A boolean, or <paramref name="fallback"/> when absent or null.</summary>
    public bool GetBool(string key, bool fallback) =>
        !TryGet(key, out var value) ? fallback
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw Wrong(key, "true or false", value);

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => TryGet(key, out _);

    /// <inheritdoc/>
    public void Dispose() => _document.Dispose();

    private bool TryGet(string key, out JsonElement value) =>
        _document.RootElement.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    private CheckpointException Wrong(string key, string expected, JsonElement value) =>
        new(Path, $"\"{key}\" must be {expected}, not {value.GetRawText()}");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
