using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// nn.Linear as Hugging Face stores it (<c>weight</c> [out, in], optional <c>bias</c>), created uninitialized: loading
/// or the family's random initialization overwrites it.
/// </summary>
internal sealed class Linear : nn.Module
{
    public Linear(long inFeatures, long outFeatures, bool hasBias) : base(nameof(Linear))
    {
        register_parameter("weight", ParameterAllocation.Empty(outFeatures, inFeatures));
        if (hasBias) register_parameter("bias", ParameterAllocation.Zeros(outFeatures));
    }

    // Looked up by name on each use, not kept in fields: Module.to(dtype) replaces the registered parameters.
    public Tensor Forward(Tensor x) => CpuLinear.Linear(x, get_parameter("weight")!, get_parameter("bias"));
}
