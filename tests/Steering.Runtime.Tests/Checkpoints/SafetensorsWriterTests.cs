using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System;
using Steering.Checkpoints;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_file_is_exactly_the_standard_layout_with_a_space_padded_header()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("one.safetensors");

        SafetensorsWriter.Write(path, [new("a", tensor(new[] { 1f, -2f }))]);

        // 54 bytes of JSON, padded with two spaces to 56, a multiple of 8; then the two floats' IEEE 754 bits.
        const string Json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        var expected = SafetensorsBytes.Build(Json + "  ", 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0);
        Assert.Equal(54, Json.Length);
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void The_header_is_padded_to_a_multiple_of_8_whatever_its_length(int extraNameLength)
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("pad.safetensors");
        var name = "w" + new string('x', extraNameLength);

        SafetensorsWriter.Write(path, [new(name, ones(3, dtype: ScalarType.Float16))], new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Equal(header.TrimEnd(' ').Length, header.LastIndexOf('}') + 1);
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
        Assert.Equal(8 + headerLength + 6, bytes.Length);
        Assert.StartsWith("""{"__metadata__":{"k":"v"},""", header);
    }

    public static TheoryData<ScalarType> StorableTypes() =>
    [
        ScalarType.Float64, ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16,
        ScalarType.Int64, ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool,
    ];

    [Theory]
    [MemberData(nameof(StorableTypes))]
    public void Every_type_round_trips_bit_for_bit(ScalarType type)
    {
        using var scope = NewDisposeScope();
        // Values every type holds exactly (bool sees nonzero as true).
        var values = tensor(new double[] { 0, 1, 2, 3, 100, 7, 0, 1, 5, 64, 1, 0 }).reshape(3, 4).to(type);
        var scalar = tensor(3.0).to(type);
        var empty = zeros([2, 0], type);
        var path = _temp.File($"{type}.safetensors");

        SafetensorsWriter.Write(path, [new("values", values), new("scalar", scalar), new("empty", empty)]);

        using var file = SafetensorsFile.Open(path);
        Assert.True(SafetensorsDTypeExtensions.TryFromScalarType(type, out var expectedDType));
        Assert.All(file.Entries, e => Assert.Equal(expectedDType, e.DType));
        AssertSame(values, file.Load("values"));
        AssertSame(scalar, file.Load("scalar"));
        AssertSame(empty, file.Load("empty"));
    }

    [Fact]
    public void Names_are_stored_in_ordinal_order_and_the_bytes_are_deterministic()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["b"] = ones(2),
            ["B"] = zeros(1),
            ["a.10"] = arange(3, dtype: ScalarType.Int64),
            ["a.9"] = tensor(true),
        };
        var first = _temp.File("first.safetensors");
        var second = _temp.File("second.safetensors");

        SafetensorsWriter.Write(first, tensors);
        SafetensorsWriter.Write(second, tensors.Reverse());

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        using var file = SafetensorsFile.Open(first);
        Assert.Equal(["B", "a.10", "a.9", "b"], file.Entries.Select(e => e.Name));
        // Offsets follow the same order, back to back.
        Assert.Equal([0L, 4L, 28L, 29L], file.Entries.Select(e => e.DataBegin));
    }

    [Fact]
    public void StoreAs_converts_floating_point_tensors_and_leaves_integers_and_bools()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("bf16.safetensors");

        SafetensorsWriter.Write(path,
            [new("w", tensor(new[] { 1f, -2f, 3f })), new("ids", tensor(new long[] { 50256, 7 })), new("mask", tensor(new[] { true, false }))],
            storeAs: ScalarType.BFloat16);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(SafetensorsDType.BF16, file.GetEntry("w").DType);
        Assert.Equal(SafetensorsDType.I64, file.GetEntry("ids").DType);
        Assert.Equal(SafetensorsDType.BOOL, file.GetEntry("mask").DType);
        Assert.Equal([50256L, 7L], file.Load("ids").data<long>().ToArray());
        // BF16 1.0 = 0x3F80, -2.0 = 0xC000, 3.0 = 0x4040, little-endian, at the start of the data section.
        var bytes = File.ReadAllBytes(path);
        var dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + (int)file.GetEntry("w").DataBegin;
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xC0, 0x40, 0x40 }, bytes[dataStart..(dataStart + 6)]);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [], storeAs: ScalarType.Int32));
    }

    [Fact]
    public void Non_contiguous_tensors_are_written_in_logical_order()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("t.safetensors");
        var transposed = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t();
        Assert.False(transposed.is_contiguous());

        SafetensorsWriter.Write(path, [new("t", transposed)]);

        using var file = SafetensorsFile.Open(path);
        var loaded = file.Load("t");
        Assert.Equal([3L, 2L], loaded.shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], loaded.data<float>().ToArray());
    }

    [Fact]
    public void Bad_arguments_leave_an_existing_file_untouched()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("keep.safetensors");
        SafetensorsWriter.Write(path, [new("w", ones(2))]);
        var before = File.ReadAllBytes(path);

        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("w", ones(1)), new("w", ones(1))]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("__metadata__", ones(1))]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("c", ones(1, dtype: ScalarType.ComplexFloat32))]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("n", null!)]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["keep.safetensors"], Directory.EnumerateFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_old_file_and_no_temporary()
    {
        var path = _temp.Write("keep.bin", [1, 2, 3]);

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("disk full");
        }));

        Assert.Equal("disk full", error.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["keep.bin"], Directory.EnumerateFiles(_temp.Path).Select(Path.GetFileName));
    }

    private static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.to(ScalarType.Float64).allclose(actual.to(ScalarType.Float64), rtol: 0, atol: 0));
    }
}
