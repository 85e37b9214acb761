using System.Linq;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// Loading allocates each parameter once, in the compute dtype, and reads the checkpoint straight into it: no
/// float32 staging copy of the model, no loaded copy of a tensor next to its parameter. Counted with TorchSharp's
/// per-thread tensor statistics (the tensors created on this thread while loading), so tests running in parallel on
/// other threads do not disturb the count, and nothing is timed.
/// </summary>
public sealed class LoadingAllocationTests
{
    [Theory]
    [InlineData(ReferenceFamily.Llama, ScalarType.BFloat16)]
    [InlineData(ReferenceFamily.Gpt2, ScalarType.Float32)]
    public void Loading_in_the_stored_dtype_creates_no_tensor_besides_the_parameters(ReferenceFamily family, ScalarType dtype)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, RandomCheckpoint.Config(family), seed: 4, storeAs: dtype, maxShardBytes: 16_000);

        var (model, created) = LoadCounting(folder.Path, dtype);
        using (model)
        {
            var parameters = model.NamedParameters().Select(p => p.Parameter).ToList();
            Assert.All(parameters, p => Assert.Equal(dtype, p.dtype));
            Assert.Equal(parameters.Count, created);
        }
    }

    private static (HookedTransformer Model, long Created) LoadCounting(string folder, ScalarType dtype)
    {
        var statistics = DisposeScopeManager.Statistics;
        var before = statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        var model = HookedTransformer.Load(folder, new ModelLoadOptions { DType = dtype });
        return (model, statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount - before);
    }
}
