using System;
using System.Buffers.Binary;
using System.Text;

namespace Steering.Tests.Checkpoints;

/// <summary>Builds safetensors files byte by byte, independently of the code under test.</summary>
public static class SafetensorsBytes
{
    /// <summary>8-byte little-endian header length, the header's UTF-8 bytes, then <paramref name="data"/>. No padding.</summary>
    public static byte[] Build(string headerJson, params byte[] data) => Build(Encoding.UTF8.GetBytes(headerJson), data);

    public static byte[] Build(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Concatenates byte groups, so that test data reads as one group per element.</summary>
    public static byte[] Bytes(params byte[][] groups)
    {
        var length = 0;
        foreach (var group in groups)
        {
            length += group.Length;
        }
        var result = new byte[length];
        var offset = 0;
        foreach (var group in groups)
        {
            group.CopyTo(result, offset);
            offset += group.Length;
        }
        return result;
    }

    public static ReadOnlySpan<byte> HeaderOf(byte[] file) =>
        file.AsSpan(8, checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file)));
}
