using System.Linq;
using Steering.Checkpoints;
using Steering.Tests.Support;
using TorchSharp;
using static Steering.Tests.Checkpoints.SafetensorsBytes;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints;

/// <summary>Loads files built by hand from known bit patterns: the expected values come from IEEE 754, not from the writer.</summary>
public sealed class SafetensorsFileTests : System.IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Floating_point_types_decode_their_little_endian_bit_patterns()
    {
        using var scope = NewDisposeScope();
        // The header is deliberately unpadded (data starts at byte 8 + header length), so loads must not assume alignment.
        var header = """
            {"f32":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},
             "f16":{"dtype":"F16","shape":[3],"data_offsets":[12,18]},
             "bf16":{"dtype":"BF16","shape":[3],"data_offsets":[18,24]},
             "f64":{"dtype":"F64","shape":[2],"data_offsets":[24,40]}}
            """;
        var data = Bytes(
            [0x00, 0x00, 0x80, 0x3F], [0x00, 0x00, 0x00, 0xC0], [0x00, 0x00, 0xC0, 0x3F], // F32 1.0, -2.0, 1.5
            [0x00, 0x3C], [0x00, 0xC0], [0x00, 0x38],                                   // F16 0x3C00 = 1.0, 0xC000 = -2.0, 0x3800 = 0.5
            [0x80, 0x3F], [0x00, 0xC0], [0x40, 0x40],                                   // BF16 0x3F80 = 1.0, 0xC000 = -2.0, 0x4040 = 3.0
            [0, 0, 0, 0, 0, 0, 0xF0, 0x3F], [0, 0, 0, 0, 0, 0, 0x00, 0xC0]);             // F64 1.0, -2.0
        using var file = SafetensorsFile.Open(_temp.Write("floats.safetensors", Build(header, data)));

        var f32 = file.Load("f32");
        Assert.Equal(ScalarType.Float32, f32.dtype);
        Assert.Equal([1f, -2f, 1.5f], f32.data<float>().ToArray());

        var f16 = file.Load("f16");
        Assert.Equal(ScalarType.Float16, f16.dtype);
        Assert.Equal([1f, -2f, 0.5f], f16.to(ScalarType.Float32).data<float>().ToArray());

        var bf16 = file.Load("bf16");
        Assert.Equal(ScalarType.BFloat16, bf16.dtype);
        Assert.Equal([1f, -2f, 3f], bf16.to(ScalarType.Float32).data<float>().ToArray());

        var f64 = file.Load("f64");
        Assert.Equal(ScalarType.Float64, f64.dtype);
        Assert.Equal([1.0, -2.0], f64.data<double>().ToArray());
    }

    [Fact]
    public void Integer_and_bool_types_decode_their_little_endian_bit_patterns()
    {
        using var scope = NewDisposeScope();
        var header = """
            {"i64":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},
             "i32":{"dtype":"I32","shape":[1],"data_offsets":[16,20]},
             "i16":{"dtype":"I16","shape":[1],"data_offsets":[20,22]},
             "i8":{"dtype":"I8","shape":[2],"data_offsets":[22,24]},
             "u8":{"dtype":"U8","shape":[2],"data_offsets":[24,26]},
             "bool":{"dtype":"BOOL","shape":[2],"data_offsets":[26,28]}}
            """;
        var data = Bytes(
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x02, 0x01, 0, 0, 0, 0, 0, 0], // -1, 258
            [0x04, 0x03, 0x02, 0x01],                                                         // 0x01020304
            [0xFE, 0xFF],                                                                     // -2
            [0x80, 0x7F],                                                                     // -128, 127
            [0xFF, 0x00],                                                                     // 255, 0
            [0x01, 0x00]);                                                                    // true, false
        using var file = SafetensorsFile.Open(_temp.Write("ints.safetensors", Build(header, data)));

        Assert.Equal([-1L, 258L], file.Load("i64").data<long>().ToArray());
        Assert.Equal([0x01020304], file.Load("i32").data<int>().ToArray());
        Assert.Equal([(short)-2], file.Load("i16").data<short>().ToArray());
        Assert.Equal([(sbyte)-128, (sbyte)127], file.Load("i8").data<sbyte>().ToArray());
        Assert.Equal([(byte)255, (byte)0], file.Load("u8").data<byte>().ToArray());
        Assert.Equal([true, false], file.Load("bool").data<bool>().ToArray());
    }

    [Fact]
    public void Entries_metadata_and_lookups_describe_the_header()
    {
        var header = """
            {"__metadata__":{"format":"pt","note":"hi"},
             "b":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},
             "a":{"dtype":"I8","shape":[],"data_offsets":[12,13]}}
            """;
        var path = _temp.Write("meta.safetensors", Build(header, new byte[13]));
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(path, file.Path);
        Assert.Equal(["b", "a"], file.Entries.Select(e => e.Name)); // header order, not sorted
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("hi", file.Metadata["note"]);
        Assert.True(file.Contains("a"));
        Assert.False(file.Contains("c"));

        var b = file.GetEntry("b");
        Assert.Equal(SafetensorsDType.F16, b.DType);
        Assert.Equal([2L, 3L], b.Shape);
        Assert.Equal(0, b.DataBegin);
        Assert.Equal(12, b.DataEnd);
        Assert.Equal(12, b.ByteLength);
        Assert.Equal(6, b.ElementCount);
        Assert.Equal(1, file.GetEntry("a").ElementCount);
    }

    [Fact]
    public void Scalars_and_zero_sized_tensors_load()
    {
        using var scope = NewDisposeScope();
        var header = """
            {"scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]},
             "empty":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},
             "empty_elsewhere":{"dtype":"I64","shape":[3,0],"data_offsets":[0,0]}}
            """;
        using var file = SafetensorsFile.Open(_temp.Write("edge.safetensors", Build(header, 0x00, 0x00, 0x60, 0x40))); // 3.5f

        var scalar = file.Load("scalar");
        Assert.Empty(scalar.shape);
        Assert.Equal(3.5f, scalar.item<float>());

        var empty = file.Load("empty");
        Assert.Equal([0L, 5L], empty.shape);
        Assert.Equal(0, empty.NumberOfElements);
        Assert.Equal([3L, 0L], file.Load("empty_elsewhere").shape);
    }

    [Fact]
    public void Load_converts_to_the_requested_type_and_device()
    {
        using var scope = NewDisposeScope();
        var header = """{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("w.safetensors", Build(header, 0x80, 0x3F, 0x00, 0xC0)));

        var converted = file.Load("w", ScalarType.Float64, CPU);

        Assert.Equal(ScalarType.Float64, converted.dtype);
        Assert.Equal(DeviceType.CPU, converted.device_type);
        Assert.Equal([1.0, -2.0], converted.data<double>().ToArray());
    }

    [Fact]
    public void Loaded_tensors_outlive_the_file()
    {
        using var scope = NewDisposeScope();
        var header = """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        var file = SafetensorsFile.Open(_temp.Write("w.safetensors", Build(header, 0x00, 0x00, 0x80, 0x3F)));
        var tensor = file.Load("w");
        file.Dispose();
        file.Dispose(); // twice is harmless

        Assert.Equal(1f, tensor.item<float>());
        Assert.Throws<System.ObjectDisposedException>(() => file.Load("w"));
    }

    [Fact]
    public void LoadInto_converts_into_the_given_tensor_in_place_a_staging_chunk_at_a_time()
    {
        using var scope = NewDisposeScope();
        // BF16 1, -2, 0.5, 3, -0.25: the top halves of their float32 bit patterns.
        var header = """{"w":{"dtype":"BF16","shape":[5],"data_offsets":[0,10]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("w.safetensors",
            Build(header, 0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F, 0x40, 0x40, 0x80, 0xBE)));
        var storage = zeros(7, ScalarType.Float64);
        var destination = storage.narrow(0, 1, 5); // a view: the values must land in the storage it shares

        file.LoadInto("w", destination, stagingBytes: 4); // 2 elements a chunk: 3 chunks, the last one short

        Assert.Equal([0.0, 1.0, -2.0, 0.5, 3.0, -0.25, 0.0], storage.data<double>().ToArray());
    }

    [Fact]
    public void Conversions_reuse_one_staging_buffer_across_tensors()
    {
        using var scope = NewDisposeScope();
        // BF16 1, -2 and 0.5, 3, -0.25 (the top halves of their float32 bit patterns), read into float64.
        var header = """{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[4,10]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("w.safetensors",
            Build(header, 0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F, 0x40, 0x40, 0x80, 0xBE)));
        using var staging = new StagingBuffer();
        var a = zeros(2, ScalarType.Float64);
        var b = zeros(3, ScalarType.Float64);

        file.LoadInto("b", b, SafetensorsFile.StagingBytes, staging);
        var kept = staging.Take(ScalarType.BFloat16, 1);
        staging.Return(kept);
        file.LoadInto("a", a, SafetensorsFile.StagingBytes, staging);

        Assert.Equal([1.0, -2.0], a.data<double>().ToArray());
        Assert.Equal([0.5, 3.0, -0.25], b.data<double>().ToArray());
        Assert.Same(kept, staging.Take(ScalarType.BFloat16, 3)); // the 3-element buffer served the 2-element tensor too
    }

    [Fact]
    public void LoadInto_names_a_bad_bool_byte_by_its_element_in_any_chunk()
    {
        using var scope = NewDisposeScope();
        var header = """{"b":{"dtype":"BOOL","shape":[5],"data_offsets":[0,5]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("b.safetensors", Build(header, 0, 1, 1, 0, 7)));

        var error = Assert.Throws<CheckpointException>(() => file.LoadInto("b", zeros(5), stagingBytes: 2));
        Assert.Contains("element 4 holds the byte 7", error.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void LoadInto_rejects_a_destination_of_another_shape_or_not_contiguous()
    {
        using var scope = NewDisposeScope();
        var header = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";
        using var file = SafetensorsFile.Open(_temp.Write("w.safetensors", Build(header, new byte[16])));

        Assert.Throws<System.ArgumentException>(() => file.LoadInto("w", zeros(4)));
        Assert.Throws<System.ArgumentException>(() => file.LoadInto("w", zeros(2, 2).t()));
    }

    [Fact]
    public void A_file_truncated_after_it_was_opened_is_a_clear_error_not_a_crash()
    {
        using var scope = NewDisposeScope();
        var header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";
        var path = _temp.Write("w.safetensors", Build(header, new byte[16]));
        using var file = SafetensorsFile.Open(path);
        using (var writer = System.IO.File.OpenHandle(path, System.IO.FileMode.Open, System.IO.FileAccess.Write, System.IO.FileShare.ReadWrite))
        {
            System.IO.RandomAccess.SetLength(writer, new System.IO.FileInfo(path).Length - 8);
        }

        var error = Assert.Throws<CheckpointException>(() => file.Load("w"));
        Assert.Contains("truncated after it was opened", error.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void TryMap_views_tensors_stored_in_the_asked_type_and_the_view_outlives_the_file()
    {
        using var scope = NewDisposeScope();
        // F32 1, -2 then BF16 0.5, 3; the header padded with spaces to 8 bytes, as Hugging Face and our writer pad it.
        var header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2,1],"data_offsets":[8,12]}}""";
        header = header.PadRight((header.Length + 7) / 8 * 8);
        var file = SafetensorsFile.Open(_temp.Write("w.safetensors", Build(header, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x3F, 0x40, 0x40)));

        var a = file.TryMap("a", ScalarType.Float32)!;
        var b = file.TryMap("b", ScalarType.BFloat16)!;
        Assert.Null(file.TryMap("a", ScalarType.Float64)); // another type: the caller reads and converts
        file.Dispose();

        Assert.Equal([1f, -2f], a.data<float>().ToArray());
        Assert.Equal([2L, 1L], b.shape);
        Assert.Equal([0.5, 3.0], b.to(ScalarType.Float64).flatten().data<double>().ToArray());
    }

    [Fact]
    public void TryMap_declines_data_not_aligned_to_its_element_size()
    {
        using var scope = NewDisposeScope();
        var header = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"""; // 54 bytes: data starts at byte 62
        using var file = SafetensorsFile.Open(_temp.Write("w.safetensors", Build(header, 0x00, 0x00, 0x80, 0x3F)));

        Assert.Null(file.TryMap("a", ScalarType.Float32));
    }

    [Fact]
    public void A_file_truncated_after_it_was_opened_is_a_clear_error_when_mapping_too()
    {
        using var scope = NewDisposeScope();
        var header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""".PadRight(64);
        var path = _temp.Write("w.safetensors", Build(header, new byte[16]));
        using var file = SafetensorsFile.Open(path);
        using (var writer = System.IO.File.OpenHandle(path, System.IO.FileMode.Open, System.IO.FileAccess.Write, System.IO.FileShare.ReadWrite))
        {
            System.IO.RandomAccess.SetLength(writer, new System.IO.FileInfo(path).Length - 8);
        }

        var error = Assert.Throws<CheckpointException>(() => file.TryMap("w", ScalarType.Float32));
        Assert.Contains("truncated after it was opened", error.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_length_at_the_end_of_a_file_with_an_empty_object_gives_no_entries()
    {
        using var file = SafetensorsFile.Open(_temp.Write("empty.safetensors", Build("{}")));
        Assert.Empty(file.Entries);
        Assert.Empty(file.Metadata);
    }
}
