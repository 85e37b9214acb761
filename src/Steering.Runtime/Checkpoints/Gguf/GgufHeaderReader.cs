using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// Parses and validates everything before a GGUF file's tensor data. Every count and length is checked against the
/// bytes the file has left before anything is allocated for it, so a hostile or truncated file fails with a
/// <see cref="CheckpointException"/> naming the problem, never with an out-of-memory error.
/// </summary>
internal sealed class GgufHeaderReader
{
    // The least bytes one metadata entry and one tensor description can take: a count that needs more than the file holds is a lie.
    private const int MinEntryBytes = 8 + 4 + 1;
    private const int MinTensorInfoBytes = 8 + 4 + 4 + 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _path;
    private readonly Stream _stream;
    private readonly long _length;
    private readonly byte[] _scratch = new byte[8];
    private long _position;

    private GgufHeaderReader(string path, Stream stream, long length)
    {
        _path = path;
        _stream = stream;
        _length = length;
    }

    /// <summary>What the header says, checked.</summary>
    public sealed record Header(uint Version, Dictionary<string, GgufValue> Metadata, int Alignment, List<GgufTensorInfo> Tensors, long DataStart);

    /// <summary>Reads the header of <paramref name="path"/> from <paramref name="stream"/> (positioned at 0, <paramref name="length"/> bytes long).</summary>
    /// <exception cref="CheckpointException">Anything about the header is wrong.</exception>
    public static Header Read(string path, Stream stream, long length) => new GgufHeaderReader(path, stream, length).Read();

    private Header Read()
    {
        if (_length < GgufFormat.Magic.Length)
            throw Error($"the file is {_length} bytes long; a GGUF file starts with the 4-byte magic \"GGUF\"");
        ReadExactly(_scratch.AsSpan(0, 4));
        if (!_scratch.AsSpan(0, 4).SequenceEqual(GgufFormat.Magic))
            throw Error($"the file does not start with the GGUF magic (it starts with 0x{Convert.ToHexString(_scratch, 0, 4)}); it is not a GGUF file");

        var version = UInt32("the version");
        if (version != GgufFormat.Version)
        {
            throw Error(BinaryPrimitives.ReverseEndianness(version) is >= 1 and <= 3
                ? "the file is a big-endian GGUF; only little-endian files are supported"
                : version is 1 or 2
                    ? $"GGUF version {version} is not supported; only version 3 (what llama.cpp has written since 2023) is"
                    : $"GGUF version {version} is unknown; only version 3 is supported");
        }

        var tensorCount = UInt64("the tensor count");
        var entryCount = UInt64("the metadata count");
        if (entryCount > (ulong)(Remaining / MinEntryBytes))
            throw Error($"the header claims {entryCount} metadata entries; the {_length}-byte file cannot hold that many");
        if (tensorCount > (ulong)(Remaining / MinTensorInfoBytes))
            throw Error($"the header claims {tensorCount} tensors; the {_length}-byte file cannot hold that many");

        var metadata = new Dictionary<string, GgufValue>((int)entryCount, StringComparer.Ordinal);
        for (ulong i = 0; i < entryCount; i++)
        {
            var key = ReadString($"the key of metadata entry {i}", GgufFormat.MaxKeyBytes);
            if (key.Length == 0) throw Error($"metadata entry {i} has an empty key");
            var type = (GgufValueType)UInt32($"the type of '{key}'");
            var value = ReadValue(type, key, depth: 0);
            if (!metadata.TryAdd(key, value)) throw Error($"the metadata key '{key}' appears twice");
        }

        var alignment = ReadAlignment(metadata);
        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            var tensor = ReadTensorInfo(i, alignment);
            if (!names.Add(tensor.Name)) throw Error($"tensor '{tensor.Name}' appears twice");
            tensors.Add(tensor);
        }

        var dataStart = Align(_position, alignment);
        var dataLength = Math.Max(0, _length - dataStart);
        foreach (var tensor in tensors)
        {
            if (tensor.ByteLength > dataLength - tensor.Offset)
                throw Error($"tensor '{tensor.Name}' occupies bytes [{tensor.Offset}, {tensor.Offset + tensor.ByteLength}) of the data section, which has {dataLength}; the file is truncated");
        }
        RejectOverlaps(tensors);
        return new Header(version, metadata, alignment, tensors, dataStart);
    }

    private int ReadAlignment(Dictionary<string, GgufValue> metadata)
    {
        if (!metadata.TryGetValue(GgufFormat.AlignmentKey, out var value)) return GgufFormat.DefaultAlignment;
        if (value.Value is not uint alignment)
            throw Error($"'{GgufFormat.AlignmentKey}' is a {Describe(value)}; it must be a UInt32");
        if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 1 << 30)
            throw Error($"'{GgufFormat.AlignmentKey}' is {alignment}; it must be a power of two");
        return (int)alignment;
    }

    private GgufTensorInfo ReadTensorInfo(ulong index, int alignment)
    {
        var name = ReadString($"the name of tensor {index}", GgufFormat.MaxTensorNameBytes);
        if (name.Length == 0) throw Error($"tensor {index} has an empty name");
        var rank = UInt32($"the dimension count of tensor '{name}'");
        if (rank > GgufFormat.MaxDimensions)
            throw Error($"tensor '{name}' has {rank} dimensions; ggml allows at most {GgufFormat.MaxDimensions}");
        var dimensions = new long[rank];
        long elements = 1;
        for (var d = 0; d < rank; d++)
        {
            var size = UInt64($"dimension {d} of tensor '{name}'");
            if (size > long.MaxValue) throw Error($"tensor '{name}' has dimension {d} of {size}, too large to address");
            dimensions[d] = (long)size;
        }
        try
        {
            // Zeros counted as ones, so that [2^40, 2^40, 0] is rejected too: ggml computes strides from every dimension.
            foreach (var size in dimensions) elements = checked(elements * Math.Max(size, 1));
        }
        catch (OverflowException)
        {
            throw Error($"tensor '{name}' has dimensions [{string.Join(", ", dimensions)}], too large to address");
        }
        if (Array.IndexOf(dimensions, 0L) >= 0) elements = 0;

        var typeCode = UInt32($"the type of tensor '{name}'");
        var type = (GgmlType)typeCode;
        if (!GgmlTypes.IsKnown(type)) throw Error($"tensor '{name}' has type {typeCode}, which is not a ggml type this reader knows");
        var rowLength = rank == 0 ? 1 : dimensions[0];
        if (rowLength % type.BlockSize() != 0)
            throw Error($"tensor '{name}' is {type} with rows of {rowLength} elements; {type} stores whole blocks of {type.BlockSize()}");
        var byteLength = type.ByteLength(elements) ?? throw Error($"tensor '{name}' is too large to address");

        var offset = UInt64($"the data offset of tensor '{name}'");
        if (offset > long.MaxValue || offset % (ulong)alignment != 0)
            throw Error($"tensor '{name}' has data offset {offset}, which is not a multiple of the alignment ({alignment})");
        return new GgufTensorInfo(name, dimensions, type, (long)offset, byteLength, elements);
    }

    private GgufValue ReadValue(GgufValueType type, string key, int depth)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return GgufValue.From(Bytes(1, key)[0]);
            case GgufValueType.Int8: return GgufValue.From((sbyte)Bytes(1, key)[0]);
            case GgufValueType.UInt16: return GgufValue.From(BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, key)));
            case GgufValueType.Int16: return GgufValue.From(BinaryPrimitives.ReadInt16LittleEndian(Bytes(2, key)));
            case GgufValueType.UInt32: return GgufValue.From(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, key)));
            case GgufValueType.Int32: return GgufValue.From(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, key)));
            case GgufValueType.Float32: return GgufValue.From(BinaryPrimitives.ReadSingleLittleEndian(Bytes(4, key)));
            case GgufValueType.UInt64: return GgufValue.From(BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, key)));
            case GgufValueType.Int64: return GgufValue.From(BinaryPrimitives.ReadInt64LittleEndian(Bytes(8, key)));
            case GgufValueType.Float64: return GgufValue.From(BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8, key)));
            case GgufValueType.Bool: return GgufValue.From(Bool(Bytes(1, key)[0], key));
            case GgufValueType.String: return GgufValue.From(ReadString($"the value of '{key}'", int.MaxValue));
            case GgufValueType.Array: return ReadArray(key, depth);
            default: throw Error($"metadata '{key}' has value type {(uint)type}, which GGUF does not define");
        }
    }

    private GgufValue ReadArray(string key, int depth)
    {
        if (depth >= GgufFormat.MaxArrayDepth)
            throw Error($"metadata '{key}' nests arrays more than {GgufFormat.MaxArrayDepth} deep");
        var elementType = (GgufValueType)UInt32($"the element type of '{key}'");
        var count = UInt64($"the length of '{key}'");
        var elementBytes = ElementSize(elementType)
            ?? throw Error($"metadata '{key}' is an array of value type {(uint)elementType}, which GGUF does not define");
        if (count > (ulong)(Remaining / elementBytes) || count > (ulong)Array.MaxLength)
            throw Error($"metadata '{key}' claims {count} elements; the {Remaining} bytes left in the file cannot hold that many");
        var n = (int)count;
        switch (elementType)
        {
            case GgufValueType.UInt8: return GgufValue.From(ReadArray<byte>(n, key));
            case GgufValueType.Int8: return GgufValue.From(ReadArray<sbyte>(n, key));
            case GgufValueType.UInt16: return GgufValue.From(ReadArray<ushort>(n, key));
            case GgufValueType.Int16: return GgufValue.From(ReadArray<short>(n, key));
            case GgufValueType.UInt32: return GgufValue.From(ReadArray<uint>(n, key));
            case GgufValueType.Int32: return GgufValue.From(ReadArray<int>(n, key));
            case GgufValueType.Float32: return GgufValue.From(ReadArray<float>(n, key));
            case GgufValueType.UInt64: return GgufValue.From(ReadArray<ulong>(n, key));
            case GgufValueType.Int64: return GgufValue.From(ReadArray<long>(n, key));
            case GgufValueType.Float64: return GgufValue.From(ReadArray<double>(n, key));
            case GgufValueType.Bool:
            {
                var bytes = ReadArray<byte>(n, key);
                return GgufValue.From(Array.ConvertAll(bytes, b => Bool(b, key)));
            }
            case GgufValueType.String:
            {
                var strings = new string[n];
                for (var i = 0; i < n; i++) strings[i] = ReadString($"element {i} of '{key}'", int.MaxValue);
                return GgufValue.From(strings);
            }
            default:
            {
                var nested = new GgufValue[n];
                for (var i = 0; i < n; i++) nested[i] = ReadArray(key, depth + 1);
                return GgufValue.From(nested);
            }
        }
    }

    /// <summary>The fewest bytes one element of <paramref name="type"/> takes (a string's or array's length prefix).</summary>
    private static int? ElementSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 4 + 8,
        _ => null,
    };

    private T[] ReadArray<T>(int count, string key) where T : unmanaged
    {
        Need((long)count * Marshal.SizeOf<T>(), $"the elements of '{key}'");
        var values = new T[count];
        ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private bool Bool(byte value, string key) => value switch
    {
        0 => false,
        1 => true,
        _ => throw Error($"metadata '{key}' holds the boolean byte {value}, not 0 or 1"),
    };

    private string ReadString(string what, int maxBytes)
    {
        var length = UInt64($"the length of {what}");
        if (length > (ulong)maxBytes)
            throw Error($"{what} is {length} bytes long; at most {maxBytes} are allowed");
        Need((long)length, what);
        var bytes = new byte[length];
        ReadExactly(bytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error($"{what} is not valid UTF-8");
        }
    }

    private byte[] Bytes(int count, string key)
    {
        Need(count, $"the value of '{key}'");
        var bytes = _scratch.AsSpan(0, count);
        ReadExactly(bytes);
        return _scratch;
    }

    private uint UInt32(string what)
    {
        Need(4, what);
        ReadExactly(_scratch.AsSpan(0, 4));
        return BinaryPrimitives.ReadUInt32LittleEndian(_scratch);
    }

    private ulong UInt64(string what)
    {
        Need(8, what);
        ReadExactly(_scratch.AsSpan(0, 8));
        return BinaryPrimitives.ReadUInt64LittleEndian(_scratch);
    }

    private long Remaining => _length - _position;

    private void Need(long bytes, string what)
    {
        if (bytes > Remaining)
            throw Error($"{what} needs {bytes} bytes at offset {_position}, but the file ends {Remaining} bytes later; it is truncated");
    }

    private void ReadExactly(Span<byte> buffer)
    {
        try
        {
            _stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointException(_path, $"the file ended early at offset {_position}; it is truncated", e);
        }
        _position += buffer.Length;
    }

    private void RejectOverlaps(List<GgufTensorInfo> tensors)
    {
        var occupied = tensors.FindAll(t => t.ByteLength > 0);
        occupied.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (var i = 1; i < occupied.Count; i++)
        {
            var (previous, current) = (occupied[i - 1], occupied[i]);
            if (current.Offset < previous.Offset + previous.ByteLength)
                throw Error($"the data of tensors '{previous.Name}' and '{current.Name}' overlap");
        }
    }

    internal static long Align(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;

    private static string Describe(GgufValue value) =>
        value.Type == GgufValueType.Array ? $"array of {value.ElementType}" : value.Type.ToString();

    private CheckpointException Error(string problem) => new(_path, problem);
}
