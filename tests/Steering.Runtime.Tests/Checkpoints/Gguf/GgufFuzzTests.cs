using System;
using System.IO;
using System.Linq;
using CsCheck;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints.Gguf;

/// <summary>
/// Whatever the bytes, <see cref="GgufFile.Open"/> and <see cref="GgufFile.Load"/> either succeed or throw
/// <see cref="CheckpointException"/>: no other exception, no crash, no runaway allocation.
/// </summary>
public sealed class GgufFuzzTests : FileFuzzTests
{
    private readonly byte[] _valid;
    private readonly int _dataStart;

    public GgufFuzzTests()
    {
        using var scope = NewDisposeScope();
        var path = Temp.File("valid.gguf");
        var matrix = randn(2, 32, generator: new Generator(3));
        new GgufWriter()
            .Add("general.architecture", "fuzz")
            .Add("fuzz.count", 3u)
            .Add("fuzz.eps", 1e-5f)
            .Add("fuzz.flag", true)
            .Add("fuzz.tokens", new[] { "a", "bc", "<|endoftext|>" })
            .Add("fuzz.types", new[] { 1, 1, 3 })
            .Add("fuzz.nested", new[] { GgufValue.From(new[] { 1L }) })
            .AddTensor("f32", matrix, GgmlType.F32)
            .AddTensor("f16", matrix, GgmlType.F16)
            .AddTensor("bf16", matrix[0], GgmlType.BF16)
            .AddTensor("q8", matrix, GgmlType.Q8_0)
            .Write(path);
        _valid = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        _dataStart = _valid.Length - (int)file.Tensors.Sum(t => (t.ByteLength + 31) / 32 * 32);
    }

    protected override string Extension => ".gguf";

    [Fact]
    public void The_unmutated_file_opens_and_loads()
    {
        Check(_valid);
        Assert.Equal(1, Opened);
        Assert.Equal(4, Loaded);
    }

    [Fact]
    public void Random_byte_changes_anywhere()
    {
        Run(ByteEdits(_valid, _valid.Length, maxEdits: 8));
        Assert.True(Loaded > 0);
    }

    [Fact]
    public void Random_byte_changes_in_the_header() =>
        Run(ByteEdits(_valid, _dataStart, maxEdits: 4));

    [Fact]
    public void Random_counts_and_lengths_written_over_the_header()
    {
        // A 64-bit count or length written at a random 8-byte-ish position: the fields a hostile file would inflate.
        Run(Gen.Select(Gen.Int[4, _dataStart - 8], Gen.OneOf(Gen.ULong, Gen.ULong[0, 4096])).Select(edit =>
        {
            var bytes = (byte[])_valid.Clone();
            BitConverter.TryWriteBytes(bytes.AsSpan(edit.Item1, 8), edit.Item2);
            return bytes;
        }));
    }

    [Fact]
    public void Random_truncations_and_extensions() => Run(TruncationsAndExtensions(_valid));

    protected override void OpenAndLoadAll(string path)
    {
        using var file = GgufFile.Open(path);
        foreach (var info in file.Tensors)
        {
            try
            {
                var loaded = file.Load(info.Name);
                Assert.Equal(info.Shape, loaded.shape);
                CountLoaded();
            }
            catch (CheckpointException)
            {
                // A type that cannot be loaded: reported, as it should be.
            }
        }
    }
}
