using System;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints.Gguf;

public sealed class GgufFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_writer_produces_the_bytes_the_specification_describes()
    {
        var path = _temp.File("small.gguf");
        using (var values = tensor(new[] { 1f, 2f, 3f }))
            new GgufWriter().Add("general.architecture", "test").Add("test.count", 7u).AddTensor("t", values, GgmlType.F32).Write(path);

        var expected = GgufBytes.Header(tensors: 1, entries: 2)
            .Key("general.architecture", 8).Str("test")
            .Key("test.count", 4).U32(7)
            .TensorInfo("t", [3], type: 0, offset: 0)
            .Pad()
            .F32(1).F32(2).F32(3)
            .Pad()
            .ToArray();
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_hand_written_file_reads_back_every_value_type()
    {
        var bytes = GgufBytes.Header(tensors: 1, entries: 14)
            .Key("a.u8", 0).U8(200)
            .Key("a.i8", 1).U8(0xFF)
            .Key("a.u16", 2).Raw([0x34, 0x12])
            .Key("a.i16", 3).Raw([0xFE, 0xFF])
            .Key("a.u32", 4).U32(4_000_000_000)
            .Key("a.i32", 5).I32(-5)
            .Key("a.f32", 6).F32(0.25f)
            .Key("a.bool", 7).U8(1)
            .Key("a.str", 8).Str("héllo")
            .Key("a.u64", 10).U64(ulong.MaxValue)
            .Key("a.i64", 11).U64(unchecked((ulong)-9L))
            .Key("a.f64", 12).Raw(BitConverter.GetBytes(-2.5))
            .Key("a.strings", 9).U32(8).U64(2).Str("x").Str("")
            .Key("a.nested", 9).U32(9).U64(2).U32(5).U64(1).I32(3).U32(8).U64(0)
            .TensorInfo("w", [2, 1], type: 0, offset: 0)
            .Pad()
            .F32(0.5f).F32(-1f)
            .ToArray();

        using var file = GgufFile.Open(_temp.Write("all.gguf", bytes));
        var m = file.Metadata;
        Assert.Equal((byte)200, m["a.u8"].Value);
        Assert.Equal((sbyte)-1, m["a.i8"].Value);
        Assert.Equal((ushort)0x1234, m["a.u16"].Value);
        Assert.Equal((short)-2, m["a.i16"].Value);
        Assert.Equal(4_000_000_000u, m["a.u32"].Value);
        Assert.Equal(-5L, m["a.i32"].AsInteger());
        Assert.Equal(0.25, m["a.f32"].AsFloat());
        Assert.Equal(true, m["a.bool"].Value);
        Assert.Equal("héllo", m["a.str"].AsString());
        Assert.Equal(ulong.MaxValue, m["a.u64"].Value);
        Assert.Equal(-9L, m["a.i64"].AsInteger());
        Assert.Equal(-2.5, m["a.f64"].AsFloat());
        Assert.Equal(["x", ""], m["a.strings"].AsArray<string>());
        var nested = m["a.nested"].AsArray<GgufValue>();
        Assert.Equal([3], nested[0].AsArray<int>());
        Assert.Equal(0, nested[1].Count);
        Assert.Equal(14, m.Count);

        var info = file.GetTensor("w");
        Assert.Equal([2L, 1L], info.Dimensions);
        Assert.Equal([1L, 2L], info.Shape);
        using var w = file.Load("w");
        Assert.Equal(new[] { 0.5f, -1f }, w.data<float>().ToArray());
        Assert.Equal([1L, 2L], w.shape);
    }

    [Fact]
    public void Written_metadata_and_tensors_read_back_with_a_custom_alignment()
    {
        var path = _temp.File("round.gguf");
        using var scope = NewDisposeScope();
        var matrix = randn(3, 64, generator: new Generator(5));
        new GgufWriter()
            .Add("general.alignment", 64u)
            .Add("k.strings", new[] { "a", "b c", "ü" })
            .Add("k.ints", new[] { 1, -2, 3 })
            .Add("k.floats", new[] { 0.5f })
            .Add("k.flags", new[] { true, false })
            .Add("k.nested", new[] { GgufValue.From(new[] { 1u, 2u }), GgufValue.From(new[] { "z" }) })
            .Add("k.f64", 1e300)
            .AddTensor("f32", matrix, GgmlType.F32)
            .AddTensor("f16", matrix, GgmlType.F16)
            .AddTensor("bf16", matrix, GgmlType.BF16)
            .AddTensor("q8", matrix, GgmlType.Q8_0)
            .Write(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(64, file.Alignment);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % 64));
        Assert.Equal(["a", "b c", "ü"], file.Metadata["k.strings"].AsArray<string>());
        Assert.Equal([1, -2, 3], file.Metadata["k.ints"].AsArray<int>());
        Assert.Equal([true, false], file.Metadata["k.flags"].AsArray<bool>());
        Assert.Equal(["z"], file.Metadata["k.nested"].AsArray<GgufValue>()[1].AsArray<string>());
        Assert.Equal(1e300, file.Metadata["k.f64"].AsFloat());
        TensorAssert.Equal(matrix, file.Load("f32"));
        TensorAssert.Equal(matrix.to(ScalarType.Float16), file.Load("f16"));
        TensorAssert.Equal(matrix.to(ScalarType.BFloat16), file.Load("bf16"));
        // Q8_0 keeps each value within half a step (d = max|block| / 127) of itself, plus the float16 rounding of d
        // (at most 2^-11 relative) times |q| <= 127.
        var q8 = file.Load("q8");
        var step = matrix.reshape(-1, 32).abs().amax(new long[] { 1 }, keepdim: true) / 127;
        Assert.True((q8.reshape(-1, 32) - matrix.reshape(-1, 32)).abs().le(step * (0.5 + (127.0 / 2048))).all().item<bool>());
        Assert.Equal(GgmlType.Q8_0, file.GetTensor("q8").Type);
        Assert.Equal(3 * 2 * 34, file.GetTensor("q8").ByteLength);
    }

    [Fact]
    public void Q8_0_quantizes_a_block_as_ggml_does()
    {
        // max |x| = 127 makes the scale exactly 1: each value rounds half away from zero (ggml's roundf).
        var block = new float[32];
        float[] head = [-127f, -1.5f, -0.5f, 0.5f, 2.5f, 126.4f, 0.49f];
        head.CopyTo(block, 0);
        var path = _temp.File("q8.gguf");
        using (var values = tensor(block))
            new GgufWriter().AddTensor("q", values, GgmlType.Q8_0).Write(path);

        // 24 bytes of header and 33 of tensor description, padded to 64: the block starts there.
        var data = File.ReadAllBytes(path).AsSpan(64, 34).ToArray();
        using var file = GgufFile.Open(path);
        Assert.Equal(new byte[] { 0x00, 0x3C }, data[..2]); // float16 1.0
        Assert.Equal(new sbyte[] { -127, -2, -1, 1, 3, 126, 0 }, data[2..9].Select(b => (sbyte)b).ToArray());
        using var loaded = file.Load("q");
        Assert.Equal(new[] { -127f, -2f, -1f, 1f, 3f, 126f, 0f }, loaded.data<float>().ToArray()[..7]);
    }

    [Fact]
    public void The_writer_refuses_what_llama_cpp_could_not_load()
    {
        using var scope = NewDisposeScope();
        var writer = new GgufWriter().Add("a.b", 1);
        Assert.Throws<ArgumentException>(() => writer.Add("a.b", 2));
        Assert.Throws<ArgumentException>(() => writer.Add("general.alignment", 48u));
        Assert.Throws<ArgumentException>(() => writer.AddTensor(new string('x', 64), zeros(2), GgmlType.F32));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("q", zeros(2, 33), GgmlType.Q8_0));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("q", zeros(2, 32), GgmlType.Q4_K));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("q", zeros(new long[] { 1, 1, 1, 1, 1 }), GgmlType.F32));
        Assert.Throws<ArgumentException>(() => GgufValue.From(new object()));
    }

    [Fact]
    public void A_failed_write_leaves_no_file()
    {
        var path = _temp.File("never.gguf");
        using var disposed = zeros(4);
        var writer = new GgufWriter().AddTensor("t", disposed, GgmlType.F32);
        disposed.Dispose();
        Assert.ThrowsAny<Exception>(() => writer.Write(path));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Quantized_types_other_than_Q8_0_are_described_but_not_loaded()
    {
        var bytes = GgufBytes.Header(tensors: 1, entries: 0)
            .TensorInfo("k", [256], type: (uint)GgmlType.Q4_K, offset: 0).Pad().Raw(new byte[144]).ToArray();
        using var file = GgufFile.Open(_temp.Write("q4k.gguf", bytes));
        Assert.Equal(144, file.GetTensor("k").ByteLength);
        var error = Assert.Throws<CheckpointException>(() => file.Load("k"));
        Assert.Contains("Q4_K", error.Message);
    }
}
