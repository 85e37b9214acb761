using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Reference;

/// <summary>
/// The reference's GPT-2 against the runtime's GPT-2, which is validated by hand-computed tests of its own: two
/// implementations that share no code agreeing to 1e-4 cross-checks the reference's loading, attention and norms.
/// </summary>
public sealed class ReferenceGpt2CrossCheckTests
{
    [Fact]
    public void Reference_gpt2_equals_the_runtime_on_the_test_suites_tiny_gpt2()
    {
        using var folder = new TempDirectory();
        TinyGpt2.Write(folder.Path);
        using var model = HookedTransformer.Load(folder.Path);
        ReferenceAssert.Logits(model, ReferenceModel.Load(folder.Path), [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reference_gpt2_equals_the_runtime_on_a_random_checkpoint_with_large_weights(bool bfloat16)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, ReferenceFamily.Gpt2, seed: 7, storeAs: bfloat16 ? ScalarType.BFloat16 : null);
        using var model = HookedTransformer.Load(folder.Path);
        ReferenceAssert.Logits(model, ReferenceModel.Load(folder.Path), [5, 17, 3, 200, 42, 42, 9, 130, 7, 1, 250, 64]);
    }
}
