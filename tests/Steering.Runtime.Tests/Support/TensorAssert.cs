using static TorchSharp.torch;

namespace Steering.Tests.Support;

public static class TensorAssert
{
    /// <summary>Same shape and every element within <paramref name="tolerance"/> (absolute).</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        var difference = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(difference <= tolerance, $"largest difference {difference:E3} exceeds {tolerance:E1}");
    }

    public static void Equal(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 0, atol: 0), "tensors differ");
    }

    public static long[] Longs(Tensor t) => t.cpu().to(ScalarType.Int64).data<long>().ToArray();
}
