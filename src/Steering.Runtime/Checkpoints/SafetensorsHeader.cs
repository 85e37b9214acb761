using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Steering.Checkpoints;

/// <summary>
/// The parsed and fully validated JSON header of a safetensors file: nothing in it can make a later load
/// read outside the data section, allocate more than the file holds, or overflow.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Hugging Face's own cap (safetensors' MAX_HEADER_SIZE): a header this big is corrupt, not a model.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>libtorch handles more, but no real tensor has this many dimensions; a bound keeps fuzzed shapes cheap.</summary>
    public const int MaxRank = 64;

    private const string MetadataKey = "__metadata__";

    private SafetensorsHeader(List<SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        // Read-only wrappers: the lists reach callers through SafetensorsFile and must not be castable back and edited.
        Entries = entries.AsReadOnly();
        Metadata = metadata.AsReadOnly();
    }

    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses <paramref name="json"/>, the header of <paramref name="path"/>, whose data section is <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="CheckpointException">Anything about the header is wrong.</exception>
    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        // JsonDocument would only notice bad UTF-8 inside strings it is asked to decode, and then throw
        // InvalidOperationException; checking the whole header first gives one clear error.
        if (!Utf8.IsValid(json.Span))
        {
            throw new CheckpointException(path, "the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(path, $"the header is a JSON {Describe(root.ValueKind)}, not an object");
            }

            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                // JsonDocument keeps duplicate keys; a second tensor of the same name would be unreachable.
                if (!seen.Add(property.Name))
                {
                    throw new CheckpointException(path, property.Name == MetadataKey
                        ? $"the header has \"{MetadataKey}\" twice"
                        : $"tensor '{property.Name}' appears twice in the header");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
                }
            }

            RejectOverlaps(path, entries);
            return new SafetensorsHeader(entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, $"\"{MetadataKey}\" is a JSON {Describe(value.ValueKind)}, not an object of strings");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException(path,
                    $"\"{MetadataKey}\" entry '{item.Name}' is a JSON {Describe(item.Value.ValueKind)}; metadata values must be strings");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new CheckpointException(path, $"\"{MetadataKey}\" has the key '{item.Name}' twice");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, $"tensor '{name}': its description is a JSON {Describe(value.ValueKind)}, not an object");
        }

        var dtypeElement = Require(path, name, value, "dtype");
        if (dtypeElement.ValueKind != JsonValueKind.String
            || !SafetensorsDTypeExtensions.TryParseHeaderName(dtypeElement.GetString(), out var dtype))
        {
            throw new CheckpointException(path, $"tensor '{name}': unknown dtype {Truncate(dtypeElement.GetRawText())}");
        }

        var shape = ReadShape(path, name, Require(path, name, value, "shape"));
        var (begin, end) = ReadOffsets(path, name, Require(path, name, value, "data_offsets"), dataLength);

        long elementCount;
        long byteLength;
        try
        {
            // Every dimension is multiplied, zeros counted as ones, so that a shape like [2^40, 2^40, 0] is
            // rejected too: its numel is 0, but libtorch would overflow computing its strides.
            long nonZeroProduct = 1;
            var hasZero = false;
            foreach (var dimension in shape)
            {
                nonZeroProduct = checked(nonZeroProduct * Math.Max(dimension, 1));
                hasZero |= dimension == 0;
            }
            elementCount = hasZero ? 0 : nonZeroProduct;
            byteLength = checked(elementCount * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new CheckpointException(path, $"tensor '{name}': shape [{FormatShape(shape)}] is too large to address");
        }

        if (end - begin != byteLength)
        {
            throw new CheckpointException(path,
                $"tensor '{name}': data_offsets [{begin}, {end}] span {end - begin} bytes, but {dtype.ToHeaderName()}[{FormatShape(shape)}] needs {byteLength}");
        }

        return new SafetensorsEntry(name, dtype, shape, begin, end, elementCount);
    }

    private static JsonElement Require(string path, string name, JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var value)
            ? value
            : throw new CheckpointException(path, $"tensor '{name}' has no \"{field}\"");

    private static long[] ReadShape(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointException(path, $"tensor '{name}': shape is a JSON {Describe(value.ValueKind)}, not an array");
        }

        var rank = value.GetArrayLength();
        if (rank > MaxRank)
        {
            throw new CheckpointException(path, $"tensor '{name}': shape has {rank} dimensions; at most {MaxRank} are supported");
        }

        var shape = new long[rank];
        var i = 0;
        foreach (var dimension in value.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var size) || size < 0)
            {
                throw new CheckpointException(path,
                    $"tensor '{name}': shape dimension {i} is {dimension.GetRawText()}, not a non-negative integer");
            }
            shape[i++] = size;
        }
        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2)
        {
            throw new CheckpointException(path, $"tensor '{name}': data_offsets is {Truncate(value.GetRawText())}, not [begin, end]");
        }

        var begin = ReadOffset(path, name, value[0]);
        var end = ReadOffset(path, name, value[1]);
        if (begin > end)
        {
            throw new CheckpointException(path, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        }
        if (end > dataLength)
        {
            throw new CheckpointException(path,
                $"tensor '{name}': data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes); the file may be truncated");
        }
        return (begin, end);
    }

    private static long ReadOffset(string path, string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var offset) && offset >= 0
            ? offset
            : throw new CheckpointException(path, $"tensor '{name}': data offset {Truncate(value.GetRawText())} is not a non-negative integer");

    private static void RejectOverlaps(string path, List<SafetensorsEntry> entries)
    {
        // Empty tensors own no bytes, so they cannot overlap anything, wherever their offsets point.
        var occupied = entries.FindAll(e => e.ByteLength > 0);
        occupied.Sort((a, b) => a.DataBegin.CompareTo(b.DataBegin));
        for (var i = 1; i < occupied.Count; i++)
        {
            var previous = occupied[i - 1];
            var current = occupied[i];
            if (current.DataBegin < previous.DataEnd)
            {
                throw new CheckpointException(path,
                    $"tensors '{previous.Name}' [{previous.DataBegin}, {previous.DataEnd}] and '{current.Name}' [{current.DataBegin}, {current.DataEnd}] overlap");
            }
        }
    }

    private static string FormatShape(long[] shape) =>
        string.Join(", ", Array.ConvertAll(shape, d => d.ToString(CultureInfo.InvariantCulture)));

    private static string Truncate(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };
}
