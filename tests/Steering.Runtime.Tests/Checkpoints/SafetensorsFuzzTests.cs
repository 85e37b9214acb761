using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text;
using System;
using CsCheck;
using Steering.Checkpoints;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints;

/// <summary>
/// Whatever the bytes, <see cref="SafetensorsFile.Open"/> and <see cref="SafetensorsFile.Load"/> either succeed or throw
/// <see cref="CheckpointException"/>: no other exception, no crash, no runaway allocation.
/// </summary>
public sealed class SafetensorsFuzzTests : FileFuzzTests
{
    private readonly byte[] _valid;
    private readonly int _headerEnd;

    public SafetensorsFuzzTests()
    {
        using var scope = NewDisposeScope();
        var path = Temp.File("valid.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["f32"] = tensor(new[] { 1f, -2f, 3.5f }),
            ["bf16"] = ones(2, 2, dtype: ScalarType.BFloat16),
            ["f16"] = tensor(0.5f).to(ScalarType.Float16),
            ["i64"] = tensor(new long[] { 50256, -1 }),
            ["mask"] = tensor(new[] { true, false, true }),
            ["empty"] = zeros(0, 3),
        }, new Dictionary<string, string> { ["format"] = "pt" });
        _valid = File.ReadAllBytes(path);
        _headerEnd = 8 + (int)BitConverter.ToUInt64(_valid, 0);
    }

    protected override string Extension => ".safetensors";

    [Fact]
    public void The_unmutated_file_opens_and_loads()
    {
        Check(_valid);
        Assert.Equal(1, Opened);
        Assert.Equal(6, Loaded);
    }

    [Fact]
    public void Random_byte_changes_anywhere()
    {
        Run(ByteEdits(_valid, _valid.Length, maxEdits: 8));
        // Edits that land in the data section leave a valid file: the loads did run.
        Assert.True(Loaded > 0);
    }

    [Fact]
    public void Random_byte_changes_in_the_length_and_header() =>
        Run(ByteEdits(_valid, _headerEnd, maxEdits: 4));

    [Fact]
    public void Random_truncations_and_extensions() => Run(TruncationsAndExtensions(_valid));

    [Fact]
    public void Random_header_length_fields() =>
        Run(Gen.OneOf(Gen.ULong, Gen.ULong[0, (ulong)_valid.Length + 16]).Select(length =>
        {
            var bytes = (byte[])_valid.Clone();
            BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), length);
            return bytes;
        }));

    [Fact]
    public void Random_headers_spliced_onto_the_data()
    {
        Run(RandomHeader.Select(header => SafetensorsBytes.Build(Encoding.UTF8.GetBytes(header), _valid[_headerEnd..])));
        // Some random headers are valid (if only "{}" or metadata alone): the property is not only about rejections.
        Assert.True(Opened > 0);
    }

    [Fact]
    public void Consistent_headers_over_random_data()
    {
        // Headers that pass validation, so that loads run over arbitrary bytes: NaNs, denormals, bools that are not 0 or 1.
        Run(ConsistentFile);
        Assert.Equal(Iterations, Opened);
        Assert.True(Loaded > 0);
    }

    protected override void OpenAndLoadAll(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries)
        {
            try
            {
                var loaded = file.Load(entry.Name);
                Assert.Equal(entry.ShapeArray(), loaded.shape);
                CountLoaded();
            }
            catch (CheckpointException)
            {
                // An entry TorchSharp cannot hold, or BOOL bytes other than 0 and 1: reported, as it should be.
            }
        }
    }

    private static readonly string[] DTypeNames =
        ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0"];

    private static readonly Gen<string> AnyNumber = Gen.OneOf(
        Gen.Int[-3, 80].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Long.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Const("1.5"), Gen.Const("-0"), Gen.Const("1e400"), Gen.Const("18446744073709551616"), Gen.Const("9223372036854775807"));

    private static readonly Gen<string> AnyJson = Gen.OneOf(
        AnyNumber, Gen.Const("null"), Gen.Const("true"), Gen.Const("{}"), Gen.Const("[]"), Gen.Const("\"x\""),
        Gen.OneOf(DTypeNames).Select(n => $"\"{n}\""));

    private static readonly Gen<string> Dims = Gen.OneOf(
        Gen.Int[0, 5].Array[0, 4].Select(d => $"[{string.Join(",", d)}]"),
        AnyNumber.Array[0, 3].Select(d => $"[{string.Join(",", d)}]"),
        AnyJson);

    private static readonly Gen<string> Offsets = Gen.OneOf(
        Gen.Int[0, 96].Array[2].Select(o => $"[{o[0]},{o[1]}]"),
        AnyNumber.Array[0, 3].Select(o => $"[{string.Join(",", o)}]"),
        AnyJson);

    private static readonly Gen<string> Entry = Gen.Select(
        Gen.OneOf(AnyJson, Gen.OneOf(DTypeNames).Select(n => $"\"{n}\"")), Dims, Offsets, Gen.Int[0, 7],
        (dtype, shape, offsets, drop) =>
        {
            // Mostly complete entries; sometimes one field is missing, or the entry is not an object at all.
            var fields = new List<string> { $"\"dtype\":{dtype}", $"\"shape\":{shape}", $"\"data_offsets\":{offsets}" };
            if (drop < fields.Count)
            {
                fields.RemoveAt(drop);
            }
            return drop == 6 ? shape : "{" + string.Join(",", fields) + "}";
        });

    private static readonly Gen<string> Metadata = Gen.OneOf(
        Gen.Const("{\"format\":\"pt\"}"), Gen.Const("{}"), AnyJson.Select(v => $"{{\"k\":{v}}}"), AnyJson);

    private static readonly Gen<string> RandomHeader = Gen.Select(
        Gen.Select(Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("f32"), Gen.Const("w.0"), Gen.Const("é")), Entry).Array[0, 4],
        Gen.Bool, Metadata, Gen.Int[0, 9],
        (entries, withMetadata, metadata, garble) =>
        {
            var members = entries.Select(e => $"{JsonSerializer.Serialize(e.Item1)}:{e.Item2}").ToList();
            if (withMetadata)
            {
                members.Insert(0, $"\"__metadata__\":{metadata}");
            }
            var json = "{" + string.Join(",", members) + "}";
            // Now and then, break the JSON itself.
            return garble switch
            {
                0 => json[..(json.Length / 2)],
                1 => json + "}",
                2 => "[" + json + "]",
                _ => json + new string(' ', garble),
            };
        });

    private static readonly Gen<byte[]> ConsistentFile =
        Gen.Select(Gen.OneOf(DTypeNames), Gen.Int[0, 3].Array[0, 3]).Array[0, 4].SelectMany(tensors =>
        {
            long offset = 0;
            var members = new List<string>();
            for (var i = 0; i < tensors.Length; i++)
            {
                var (dtype, shape) = tensors[i];
                Assert.True(SafetensorsDTypeExtensions.TryParseHeaderName(dtype, out var parsed));
                var bytes = shape.Aggregate(1L, (a, b) => a * b) * parsed.ElementSize();
                members.Add($"\"t{i}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
                offset += bytes;
            }
            var header = Encoding.UTF8.GetBytes("{" + string.Join(",", members) + "}");
            return Gen.Byte.Array[(int)offset].Select(data => SafetensorsBytes.Build(header, data));
        });
}
