using System;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>
/// Where the modules of a network being built allocate their parameters: float32 on the CPU (what a family's random
/// initialization fills) unless a loader has said otherwise with <see cref="Use"/>.
/// </summary>
/// <remarks>
/// Loading allocates every parameter once, directly in the compute dtype and on the device, and reads the checkpoint
/// into it: building in float32 and converting afterwards would hold a float32 copy of the whole model next to the
/// converted one (and, on a GPU, a CPU copy as well). The setting is ambient, and per thread, because the parameters
/// are created deep inside each family's module constructors, and threading a dtype and device through every one of
/// them would change every module's signature for a concern none of them has. libtorch's own default dtype is global
/// to the process, so it cannot serve: models are built on several threads at once.
/// </remarks>
internal static class ParameterAllocation
{
    [ThreadStatic]
    private static (ScalarType DType, Device Device)? _current;

    /// <summary>The element type new parameters get.</summary>
    public static ScalarType DType => _current?.DType ?? ScalarType.Float32;

    /// <summary>The device new parameters live on.</summary>
    public static Device Device => _current?.Device ?? CPU;

    /// <summary>Until the result is disposed, parameters created on this thread are <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static IDisposable Use(ScalarType dtype, Device device)
    {
        var previous = _current;
        _current = (dtype, device);
        return new Restore(previous);
    }

    /// <summary>An uninitialized parameter: loading or the family's initialization fills it, so nothing is written twice.</summary>
    public static Parameter Empty(params long[] shape) => new(empty(shape, DType, Device));

    /// <summary>A parameter of zeros (a bias that a checkpoint may leave out).</summary>
    public static Parameter Zeros(params long[] shape) => new(zeros(shape, DType, Device));

    /// <summary>A parameter of ones (a norm's scale).</summary>
    public static Parameter Ones(params long[] shape) => new(ones(shape, DType, Device));

    /// <summary>nn.LayerNorm with its weight and bias allocated here.</summary>
    public static LayerNorm LayerNorm(long width, double epsilon) => nn.LayerNorm(width, epsilon, device: Device, dtype: DType);

    private sealed class Restore((ScalarType DType, Device Device)? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
