using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>Where a CPU tensor's elements start, for the kernels that read and write them directly.</summary>
internal static unsafe class TensorMemory
{
    /// <summary>The address of <paramref name="tensor"/>'s first element; valid while the caller keeps the tensor alive.</summary>
    public static nint Address(Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    /// <summary><see cref="Address"/> of a float32 tensor, typed.</summary>
    public static float* Floats(Tensor tensor) => (float*)Address(tensor);
}
