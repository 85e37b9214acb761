using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// Greedy decoding's argmax read in C# against torch.argmax's documented choices: the first of equal maxima, a NaN as
/// the maximum, rows of a vocabulary that is not a multiple of 16, [batch, 1, d_vocab] as generation has them, in
/// float32 and in the 16-bit types (the ties then come from rounding as well). On a CPU without AVX-512 it declines
/// and libtorch decides.
/// </summary>
public sealed class GreedyArgmaxTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Picks_what_torch_argmax_picks(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var logits = randn(new long[] { 5, 1, 50257 }, generator: generator).to(dtype);
        logits[1, 0, 7] = tensor(100f);
        logits[1, 0, 50250] = tensor(100f); // a tie: the first index wins
        logits[2, 0, 50256] = tensor(1000f); // the maximum in the ragged tail
        logits[3, 0, 9] = tensor(float.NaN); // NaN counts as the maximum
        logits[3, 0, 20] = tensor(float.NaN);
        logits[4].fill_(-1f); // all equal: index 0

        var ids = GreedyArgmax.TryCompute(logits);
        if (ids is null) return;
        Assert.Equal(new long[] { logits[0, 0].argmax().item<long>(), 7, 50256, 9, 0 }, ids);
        Assert.Equal(logits.argmax(-1).reshape(-1).data<long>().ToArray(), ids);
    }

    [Fact]
    public void Declines_other_dtypes_and_strided_logits()
    {
        using var scope = NewDisposeScope();
        Assert.Null(GreedyArgmax.TryCompute(zeros(2, 1, 40, ScalarType.Float64)));
        Assert.Null(GreedyArgmax.TryCompute(zeros(40, 2).t()));
    }
}
