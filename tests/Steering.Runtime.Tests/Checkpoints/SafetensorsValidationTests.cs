using System.IO;
using System.Linq;
using System.Text;
using Steering.Checkpoints;
using Steering.Tests.Support;
using static Steering.Tests.Checkpoints.SafetensorsBytes;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints;

/// <summary>Every malformed input is a <see cref="CheckpointException"/> that names the file, the tensor and the problem.</summary>
public sealed class SafetensorsValidationTests : System.IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string F32Pair = """{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""";

    public static TheoryData<string, byte[], string> BadFiles() => new()
    {
        { "empty file", [], "shorter than the 8-byte header length" },
        { "7 bytes", [1, 2, 3, 4, 5, 6, 7], "shorter than the 8-byte header length" },
        { "header past the end", HeaderLengthOnly(1000, 10), "only 10 bytes follow it" },
        { "huge header length", HeaderLengthOnly(ulong.MaxValue, 2), "only 2 bytes follow it" },
        { "empty header", Build(""), "not valid JSON" },
        { "not UTF-8", Build([(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), "not valid UTF-8" },
        { "not JSON", Build("{\"w\": nope}"), "not valid JSON" },
        { "trailing garbage", Build("{} x"), "not valid JSON" },
        { "array header", Build("[1, 2]"), "is a JSON array, not an object" },
        { "entry not object", Build("""{"w": 5}"""), "tensor 'w': its description is a JSON number, not an object" },
        { "unknown dtype", Build("""{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}""", new byte[4]), "tensor 'w': unknown dtype \"F33\"" },
        { "lower-case dtype", Build("""{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]), "unknown dtype \"f32\"" },
        { "numeric dtype", Build("""{"w":{"dtype":1,"shape":[1],"data_offsets":[0,4]}}""", new byte[4]), "unknown dtype 1" },
        { "missing dtype", Build("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", new byte[4]), "tensor 'w' has no \"dtype\"" },
        { "missing shape", Build("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", new byte[4]), "tensor 'w' has no \"shape\"" },
        { "missing offsets", Build("""{"w":{"dtype":"F32","shape":[1]}}""", new byte[4]), "tensor 'w' has no \"data_offsets\"" },
        { "shape not array", Build("""{"w":{"dtype":"F32","shape":4,"data_offsets":[0,4]}}""", new byte[4]), "tensor 'w': shape is a JSON number, not an array" },
        { "negative dimension", Build("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", new byte[4]), "shape dimension 0 is -1, not a non-negative integer" },
        { "fractional dimension", Build("""{"w":{"dtype":"F32","shape":[2, 1.5],"data_offsets":[0,4]}}""", new byte[4]), "shape dimension 1 is 1.5" },
        { "string dimension", Build("""{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}""", new byte[4]), "shape dimension 0 is \"1\"" },
        { "too many dimensions", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + string.Join(",", Enumerable.Repeat(1, 65)) + "],\"data_offsets\":[0,4]}}", new byte[4]), "65 dimensions" },
        { "offsets not a pair", Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", new byte[4]), "data_offsets is [0], not [begin, end]" },
        { "offsets not an array", Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":"0-4"}}""", new byte[4]), "not [begin, end]" },
        { "negative offset", Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", new byte[4]), "data offset -4 is not a non-negative integer" },
        { "offset past long", Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}""", new byte[4]), "data offset 18446744073709551615" },
        { "end before begin", Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", new byte[4]), "data_offsets [4, 0] end before they begin" },
        { "past the data", Build("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[4]), "run past the end of the data section (4 bytes)" },
        { "size mismatch", Build("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", new byte[4]), "span 4 bytes, but F32[2] needs 8" },
        { "zero-sized with bytes", Build("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,4]}}""", new byte[4]), "needs 0" },
        { "element count overflow", Build("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", new byte[4]), "shape [4294967296, 4294967296] is too large" },
        { "byte count overflow", Build("""{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}}""", new byte[4]), "too large" },
        { "overflow hidden by a zero", Build("""{"w":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}"""), "too large" },
        { "overlap", Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", new byte[8]), "tensors 'a' [0, 4] and 'b' [2, 6] overlap" },
        { "contained overlap", Build("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[16]), "overlap" },
        { "duplicate name", Build("{\"w\":" + F32Pair + ",\"w\":" + F32Pair + "}", new byte[8]), "tensor 'w' appears twice" },
        { "metadata not object", Build("""{"__metadata__":"pt"}"""), "\"__metadata__\" is a JSON string, not an object of strings" },
        { "metadata number value", Build("""{"__metadata__":{"total_size":1}}"""), "entry 'total_size' is a JSON number; metadata values must be strings" },
        { "duplicate metadata", Build("""{"__metadata__":{},"__metadata__":{}}"""), "\"__metadata__\" twice" },
        { "deep nesting", Build("{\"__metadata__\":" + new string('[', 200) + new string(']', 200) + "}"), "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Open_rejects_malformed_files(string label, byte[] bytes, string problem)
    {
        var path = _temp.Write(label.Replace(' ', '-') + ".safetensors", bytes);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void A_header_over_100_MB_is_rejected_without_reading_it()
    {
        // A sparse file: 100 MB of "header" that is never written, so the test stays fast and small on disk.
        var path = _temp.File("huge.safetensors");
        using (var stream = File.Create(path))
        {
            stream.Write(HeaderLengthOnly(100_000_001, 0));
            stream.SetLength(8 + 100_000_001);
        }

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains("the header length is 100000001 bytes, more than the 100000000 allowed", error.Message);
    }

    [Fact]
    public void A_missing_file_is_a_checkpoint_error()
    {
        var path = _temp.File("absent.safetensors");
        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains("cannot open the file", error.Message);
        Assert.IsType<FileNotFoundException>(error.InnerException);
    }

    [Fact]
    public void A_folder_is_not_a_file()
    {
        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(_temp.Path));
        Assert.Equal(_temp.Path, error.Path);
    }

    [Fact]
    public void An_unknown_name_lists_what_the_file_holds()
    {
        var path = _temp.Write("w.safetensors", Build("{\"weight\":" + F32Pair + "}", new byte[8]));
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<CheckpointException>(() => file.GetEntry("wieght"));
        Assert.Contains("no tensor named 'wieght' (the file holds 1: 'weight')", error.Message);
        Assert.Throws<CheckpointException>(() => file.Load("wieght"));
    }

    [Fact]
    public void Bool_bytes_other_than_0_and_1_are_rejected_on_load()
    {
        var path = _temp.Write("mask.safetensors", Build("""{"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}""", 1, 0, 2));
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<CheckpointException>(() => file.Load("mask"));
        Assert.Contains("tensor 'mask' is BOOL but element 2 holds the byte 2, not 0 or 1", error.Message);
    }

    [Theory]
    [InlineData("F8_E4M3", SafetensorsDType.F8_E4M3)]
    [InlineData("F8_E5M2", SafetensorsDType.F8_E5M2)]
    [InlineData("U16", SafetensorsDType.U16)]
    public void Types_TorchSharp_lacks_open_but_do_not_load(string header, SafetensorsDType dtype)
    {
        var size = dtype.ElementSize();
        var json = $$$"""{"q":{"dtype":"{{{header}}}","shape":[2],"data_offsets":[0,{{{2 * size}}}]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("q.safetensors", Build(json, new byte[2 * size])));

        Assert.Equal(dtype, file.GetEntry("q").DType);
        Assert.False(dtype.IsLoadable());
        var error = Assert.Throws<CheckpointException>(() => file.Load("q"));
        Assert.Contains($"tensor 'q' is stored as {header}, which TorchSharp has no type for", error.Message);
    }

    [Fact]
    public void Gaps_between_tensors_are_allowed()
    {
        // Aligning writers leave padding between tensors; only overlaps are an error.
        using var scope = NewDisposeScope();
        var json = """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[4,5]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("gaps.safetensors", Build(json, 7, 0, 0, 0, 9, 0, 0)));
        Assert.Equal((byte)9, file.Load("b").item<byte>());
    }

    private static byte[] HeaderLengthOnly(ulong headerLength, int bytesAfter)
    {
        var file = new byte[8 + bytesAfter];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength);
        if (bytesAfter > 0)
        {
            Encoding.ASCII.GetBytes("{").CopyTo(file, 8);
        }
        return file;
    }
}
