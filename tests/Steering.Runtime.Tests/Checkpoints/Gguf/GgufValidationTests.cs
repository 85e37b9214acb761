using System;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Tests.Support;

namespace Steering.Tests.Checkpoints.Gguf;

/// <summary>Every malformed GGUF fails at <see cref="GgufFile.Open"/> with one message naming the file and the problem.</summary>
public sealed class GgufValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Fails(byte[] bytes)
    {
        var path = _temp.Write(Guid.NewGuid().ToString("N") + ".gguf", bytes);
        var error = Assert.Throws<CheckpointException>(() => GgufFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        return error.Message;
    }

    private static GgufBytes OneTensor(ulong[] dimensions, uint type = 0, ulong offset = 0) =>
        GgufBytes.Header(tensors: 1, entries: 0).TensorInfo("t", dimensions, type, offset).Pad();

    [Fact]
    public void Wrong_magic() => Assert.Contains("not a GGUF file", Fails("GGML\0\0\0\0"u8.ToArray()));

    [Fact]
    public void Too_short_for_the_magic() => Assert.Contains("2 bytes long", Fails([0x47, 0x47]));

    [Fact]
    public void Old_versions() => Assert.Contains("version 2 is not supported", Fails(GgufBytes.Header(0, 0, version: 2).ToArray()));

    [Fact]
    public void Big_endian_files() => Assert.Contains("big-endian", Fails(GgufBytes.Header(0, 0, version: 0x03000000).ToArray()));

    [Fact]
    public void Truncated_headers() => Assert.Contains("truncated", Fails(GgufBytes.Header(0, 1).Str("general.name").ToArray()));

    [Fact]
    public void Absurd_counts_fail_before_allocating()
    {
        Assert.Contains("cannot hold that many", Fails(GgufBytes.Header(tensors: ulong.MaxValue, entries: 0).ToArray()));
        Assert.Contains("cannot hold that many", Fails(GgufBytes.Header(tensors: 0, entries: 1L << 40).ToArray()));
    }

    [Fact]
    public void Absurd_array_and_string_lengths_fail_before_allocating()
    {
        Assert.Contains("claims 1152921504606846976 elements",
            Fails(GgufBytes.Header(0, 1).Key("a.b", 9).U32(5).U64(1UL << 60).ToArray()));
        Assert.Contains("is 4611686018427387904 bytes long",
            Fails(GgufBytes.Header(0, 1).Key("a.b", 8).U64(1UL << 62).ToArray()));
        Assert.Contains("truncated", Fails(GgufBytes.Header(0, 1).Key("a.b", 8).U64(100).Raw([1, 2]).ToArray()));
    }

    [Fact]
    public void Bad_values()
    {
        Assert.Contains("value type 13", Fails(GgufBytes.Header(0, 1).Key("a.b", 13).U32(0).ToArray()));
        Assert.Contains("boolean byte 2", Fails(GgufBytes.Header(0, 1).Key("a.b", 7).U8(2).ToArray()));
        Assert.Contains("appears twice", Fails(GgufBytes.Header(0, 2).Key("a.b", 4).U32(1).Key("a.b", 4).U32(2).ToArray()));
        Assert.Contains("not valid UTF-8", Fails(GgufBytes.Header(0, 1).Key("a.b", 8).U64(1).U8(0xFF).ToArray()));
        Assert.Contains("nests arrays more than 8 deep", Fails(Nested(9)));
    }

    private static byte[] Nested(int depth)
    {
        var bytes = GgufBytes.Header(0, 1).Key("a.b", 9);
        for (var i = 0; i < depth; i++) bytes.U32(9).U64(1);
        return bytes.U32(4).U64(0).ToArray();
    }

    [Fact]
    public void Bad_alignment()
    {
        Assert.Contains("power of two", Fails(GgufBytes.Header(0, 1).Key("general.alignment", 4).U32(24).ToArray()));
        Assert.Contains("must be a UInt32", Fails(GgufBytes.Header(0, 1).Key("general.alignment", 5).I32(32).ToArray()));
    }

    [Fact]
    public void Bad_tensor_descriptions()
    {
        Assert.Contains("ggml allows at most 4", Fails(OneTensor([1, 1, 1, 1, 1]).ToArray()));
        Assert.Contains("type 31", Fails(OneTensor([4], type: 31).ToArray()));
        Assert.Contains("whole blocks of 32", Fails(OneTensor([33], type: 8).ToArray()));
        Assert.Contains("not a multiple of the alignment", Fails(OneTensor([1], offset: 4).Raw(new byte[64]).ToArray()));
        Assert.Contains("too large to address", Fails(OneTensor([1UL << 40, 1UL << 40]).ToArray()));
        Assert.Contains("empty name", Fails(GgufBytes.Header(1, 0).TensorInfo("", [1], 0, 0).Pad().F32(0).ToArray()));
        Assert.Contains("at most 63", Fails(GgufBytes.Header(1, 0).TensorInfo(new string('n', 64), [1], 0, 0).Pad().F32(0).ToArray()));
    }

    [Fact]
    public void Truncated_tensor_data() =>
        Assert.Contains("the file is truncated", Fails(OneTensor([16]).F32(1).ToArray()));

    [Fact]
    public void Duplicate_and_overlapping_tensors()
    {
        Assert.Contains("appears twice", Fails(GgufBytes.Header(2, 0)
            .TensorInfo("t", [1], 0, 0).TensorInfo("t", [1], 0, 32).Pad().Raw(new byte[64]).ToArray()));
        Assert.Contains("overlap", Fails(GgufBytes.Header(2, 0)
            .TensorInfo("a", [16], 0, 0).TensorInfo("b", [16], 0, 32).Pad().Raw(new byte[96]).ToArray()));
    }

    [Fact]
    public void A_file_that_is_not_there() => Assert.Contains("cannot open", Assert.Throws<CheckpointException>(() => GgufFile.Open(_temp.File("none.gguf"))).Message);
}
