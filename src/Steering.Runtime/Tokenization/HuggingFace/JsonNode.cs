using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Steering.Checkpoints;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// A value inside a Hugging Face tokenizer file with its JSON path, so every failure names the file and the place:
/// <c>tokenizer.json: model.merges[12]: ...</c>.
/// </summary>
internal readonly struct JsonNode
{
    // The path is spelled only when an error needs it: a vocabulary has 10^5 members and merges as many items.
    private readonly string _parentPath;

    private readonly string? _key;

    private readonly int _index;

    private JsonNode(string file, string parentPath, string? key, int index, JsonElement element)
    {
        File = file;
        _parentPath = parentPath;
        _key = key;
        _index = index;
        Element = element;
    }

    /// <summary>The file the value is in.</summary>
    public string File { get; }

    /// <summary>Where in the file (<c>model.merges[12]</c>), empty for the root.</summary>
    public string Path =>
        _key is not null ? (_parentPath.Length == 0 ? _key : $"{_parentPath}.{_key}")
        : _index >= 0 ? $"{_parentPath}[{_index}]"
        : _parentPath;

    /// <summary>The value.</summary>
    public JsonElement Element { get; }

    /// <summary>Reads a JSON file whose root is an object; the caller disposes the document.</summary>
    /// <exception cref="CheckpointException">The file cannot be read, is not JSON (line and byte given), or is not an object.</exception>
    public static JsonDocument ParseFile(string file, out JsonNode root)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(System.IO.File.ReadAllBytes(file), new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new CheckpointException(file, $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(file, $"cannot be read: {e.Message}", e);
        }
        root = new JsonNode(file, "", null, -1, document.RootElement);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new CheckpointException(file, "not a JSON object");
        }
        return document;
    }

    /// <summary>An error about this value: the file, the path and the problem.</summary>
    public CheckpointException Error(string problem) =>
        new(File, Path.Length == 0 ? problem : $"{Path}: {problem}");

    /// <summary>The member <paramref name="key"/>, or null when absent or JSON null.</summary>
    public JsonNode? Optional(string key)
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Describe(Element)}");
        return Element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? new JsonNode(File, Path, key, -1, value)
            : null;
    }

    /// <summary>The member <paramref name="key"/>, which must be there.</summary>
    public JsonNode Required(string key) => Optional(key) ?? throw Error($"has no \"{key}\"");

    /// <summary>This value as a string.</summary>
    public string AsString() =>
        Element.ValueKind == JsonValueKind.String ? Element.GetString()! : throw Error($"expected a string, found {Describe(Element)}");

    /// <summary>This value as a whole number.</summary>
    public int AsInt() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var value) ? value
        : throw Error($"expected a whole number, found {Describe(Element)}");

    /// <summary>This value as a boolean.</summary>
    public bool AsBool() =>
        Element.ValueKind is JsonValueKind.True or JsonValueKind.False ? Element.GetBoolean()
        : throw Error($"expected true or false, found {Describe(Element)}");

    /// <summary>A string member, or <paramref name="fallback"/> when absent or null.</summary>
    public string? String(string key, string? fallback = null) => Optional(key)?.AsString() ?? fallback;

    /// <summary>A boolean member, or <paramref name="fallback"/> when absent or null.</summary>
    public bool Bool(string key, bool fallback) => Optional(key)?.AsBool() ?? fallback;

    /// <summary>A whole-number member, or <paramref name="fallback"/> when absent or null.</summary>
    public int Int(string key, int fallback) => Optional(key)?.AsInt() ?? fallback;

    /// <summary>The <c>type</c> member that names a component's kind.</summary>
    public string Type => Required("type").AsString();

    /// <summary>The items of this array.</summary>
    public IEnumerable<JsonNode> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array) throw Error($"expected an array, found {Describe(Element)}");
        var path = Path;
        var index = 0;
        foreach (var item in Element.EnumerateArray()) yield return new JsonNode(File, path, null, index++, item);
    }

    /// <summary>The members of this object.</summary>
    public IEnumerable<(string Key, JsonNode Value)> Members()
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Describe(Element)}");
        var path = Path;
        foreach (var member in Element.EnumerateObject()) yield return (member.Name, new JsonNode(File, path, member.Name, -1, member.Value));
    }

    /// <summary>The number of items of this array.</summary>
    public int Count => Element.ValueKind == JsonValueKind.Array ? Element.GetArrayLength() : throw Error($"expected an array, found {Describe(Element)}");

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };
}
