using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// <see cref="ModelLoadOptions.MemoryMap"/>: parameters stored in the compute dtype are views of the files' mappings.
/// The expected values are the copying loader's (an independent path: positioned reads into fresh memory), bit for bit.
/// </summary>
public sealed class MemoryMappedLoadingTests
{
    [Theory]
    [InlineData(ReferenceFamily.Llama, ScalarType.BFloat16, ScalarType.BFloat16)]
    [InlineData(ReferenceFamily.Gpt2, ScalarType.Float32, ScalarType.Float32)]
    [InlineData(ReferenceFamily.Llama, ScalarType.BFloat16, ScalarType.Float32)] // another stored type: read and converted
    public void A_mapped_model_has_the_parameters_and_logits_of_a_read_one(ReferenceFamily family, ScalarType stored, ScalarType dtype)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(family), seed: 5, storeAs: stored, maxShardBytes: 16_000);
        using var read = HookedTransformer.Load(folder.Path, new ModelLoadOptions { DType = dtype });
        using var mapped = HookedTransformer.Load(folder.Path, new ModelLoadOptions { DType = dtype, MemoryMap = true });
        using var scope = NewDisposeScope();

        var expected = read.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, parameter) in mapped.NamedParameters())
        {
            Assert.Equal(dtype, parameter.dtype);
            Assert.True(parameter.eq(expected[name]).all().item<bool>(), name);
        }
        var ids = tensor(new long[] { 1, 5, 2, 7, 3 }).unsqueeze(0);
        Assert.True(mapped.Forward(ids).eq(read.Forward(ids)).all().item<bool>());
    }

    [Fact]
    public void The_mapping_lives_as_long_as_the_model_and_no_longer()
    {
        if (!System.OperatingSystem.IsLinux()) return; // /proc/self/maps lists the process's mappings
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, ReferenceFamily.Llama, seed: 6, storeAs: ScalarType.Float32);
        var file = Path.Combine(folder.Path, "model.safetensors");

        var model = HookedTransformer.Load(folder.Path, new ModelLoadOptions { MemoryMap = true });
        Assert.True(Mapped(file), "the loaded model's parameters map the file");
        model.Dispose();
        System.GC.Collect();
        System.GC.WaitForPendingFinalizers();
        Assert.False(Mapped(file), "disposing the model unmaps the file");
    }

    [Fact]
    public void A_file_truncated_before_loading_is_a_clear_error()
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(ReferenceFamily.Llama), seed: 7, storeAs: ScalarType.Float32, maxShardBytes: 16_000);
        var shard = Directory.GetFiles(folder.Path, "*.safetensors").Order(System.StringComparer.Ordinal).Last();
        using (var writer = File.OpenHandle(shard, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.SetLength(writer, RandomAccess.GetLength(writer) - 16);
        }

        var error = Assert.Throws<CheckpointException>(() => HookedTransformer.Load(folder.Path, new ModelLoadOptions { MemoryMap = true }));
        Assert.Contains(Path.GetFileName(shard), error.Message, System.StringComparison.Ordinal);
    }

    private static bool Mapped(string path) => File.ReadLines("/proc/self/maps").Any(line => line.EndsWith(path, System.StringComparison.Ordinal));
}
