using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
        return ReadFile(path);
    }

    /// <summary>
    /// Reads <c>generation_config.json</c> from a model folder, or null when the folder has none (it is optional).
    /// </summary>
    /// <exception cref="CheckpointException">The file is there but is not a JSON object.</exception>
    public static ConfigJson? ReadGenerationConfig(string folder)
    {
        var path = System.IO.Path.Combine(folder, GenerationFileName);
        return File.Exists(path) ? ReadFile(path) : null;
    }

    /// <summary>The optional file of generation defaults (its <c>eos_token_id</c> may be a list).</summary>
    public const string GenerationFileName = "generation_config.json";

    /// <summary>Parses config.json text as if read from <paramref name="path"/> (for configs written in code).</summary>
    /// <exception cref="CheckpointException">The text is not a JSON object.</exception>
    public static ConfigJson Parse(string text, string path = FileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return FromDocument(path, JsonDocument.Parse(text, Options));
        }
        catch (JsonException e)
        {
            throw Malformed(path, e);
        }
    }

    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private static ConfigJson FromDocument(string path, JsonDocument document)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new CheckpointException(path, "not a JSON object");
        }
        return new ConfigJson(path, document);
    }

    private static CheckpointException Malformed(string path, JsonException e) =>
        new(path, $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}", e);

    private static ConfigJson ReadFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length > 16 << 20)
                throw new CheckpointException(path, $"{info.Length} bytes is too large for a config file");
            return FromDocument(path, JsonDocument.Parse(File.ReadAllBytes(path), Options));
        }
        catch (JsonException e)
        {
            throw Malformed(path, e);
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

    /// <summary>Whole numbers given as one number or a list of them (<c>eos_token_id</c>); null when absent or null.</summary>
    public IReadOnlyList<int>? GetIntList(string key)
    {
        if (!TryGet(key, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number) return new[] { GetOptionalInt(key)!.Value };
        if (value.ValueKind != JsonValueKind.Array) throw Wrong(key, "a whole number or a list of them", value);
        var list = new List<int>();
        foreach (var item in value.EnumerateArray())
            list.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var number) ? number
                : throw Wrong(key, "a list of whole numbers", value));
        return list;
    }

    /// <summary>The raw JSON object under <paramref name="key"/> (<c>rope_scaling</c>), or null when absent or null.</summary>
    /// <exception cref="CheckpointException">The value is not an object.</exception>
    public JsonElement? GetObject(string key) =>
        !TryGet(key, out var value) ? null
        : value.ValueKind == JsonValueKind.Object ? value
        : throw Wrong(key, "an object", value);

    /// <summary>A list of strings (<c>layer_types</c>), or null when absent or null.</summary>
    public IReadOnlyList<string>? GetStringList(string key)
    {
        if (!TryGet(key, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Array) throw Wrong(key, "a list of strings", value);
        return value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()!
            : throw Wrong(key, "a list of strings", value)).ToList();
    }

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

    /// <summary>True when the key is present, even with a null value (<c>"sliding_window": null</c> means "none", absence the default).</summary>
    public bool HasKey(string key) => _document.RootElement.TryGetProperty(key, out _);

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
