using static TorchSharp.torch;

namespace Steering.Tests;

/// <summary>The build makes libtorch load on this system (see src/Steering.Runtime/build/WeakenVersionNeed.cs).</summary>
public sealed class TorchLoadsTests
{
    [Fact]
    public void A_tensor_computes()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(6f, ones(2, 3).sum().item<float>());
    }
}
