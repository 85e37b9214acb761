using System.IO;
using System.Text;

namespace Steering.Tests.Checkpoints.Gguf;

/// <summary>
/// Writes GGUF files field by field, straight from the specification (little-endian; strings as a 64-bit length and
/// UTF-8 bytes), so tests can state the expected bytes independently of the writer and craft broken files.
/// </summary>
public sealed class GgufBytes
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _writer;

    public GgufBytes() => _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);

    /// <summary>"GGUF", version, tensor count, metadata count.</summary>
    public static GgufBytes Header(ulong tensors, ulong entries, uint version = 3) =>
        new GgufBytes().Raw("GGUF"u8.ToArray()).U32(version).U64(tensors).U64(entries);

    public long Length => _stream.Length;

    public GgufBytes Raw(byte[] bytes)
    {
        _writer.Write(bytes);
        return this;
    }

    public GgufBytes U8(byte value) { _writer.Write(value); return this; }
    public GgufBytes U32(uint value) { _writer.Write(value); return this; }
    public GgufBytes I32(int value) { _writer.Write(value); return this; }
    public GgufBytes U64(ulong value) { _writer.Write(value); return this; }
    public GgufBytes F32(float value) { _writer.Write(value); return this; }

    public GgufBytes Str(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return U64((ulong)bytes.Length).Raw(bytes);
    }

    /// <summary>A metadata entry: key, value type, then the caller writes the value.</summary>
    public GgufBytes Key(string key, uint type) => Str(key).U32(type);

    /// <summary>A tensor description: name, dimensions (ggml order), ggml type, offset.</summary>
    public GgufBytes TensorInfo(string name, ulong[] dimensions, uint type, ulong offset)
    {
        Str(name).U32((uint)dimensions.Length);
        foreach (var d in dimensions) U64(d);
        return U32(type).U64(offset);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public GgufBytes Pad(int alignment = 32)
    {
        while (_stream.Length % alignment != 0) _writer.Write((byte)0);
        return this;
    }

    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }
}
