using Steering.Models.Kernels;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>
/// GPT-2's "Conv1D": a linear layer whose weight is stored [in, out] (transposed from nn.Linear). Kept in that layout so
/// checkpoints load and save without transposes and parameter names match Hugging Face's.
/// </summary>
internal sealed class Conv1D : nn.Module
{
    public Conv1D(long inFeatures, long outFeatures) : base(nameof(Conv1D))
    {
        register_parameter("weight", ParameterAllocation.Empty(inFeatures, outFeatures));
        register_parameter("bias", ParameterAllocation.Zeros(outFeatures));
    }

    // Looked up by name on each use, not kept in fields: Module.to(dtype) replaces the registered parameters, and
    // fields would go on holding the disposed originals (which broke loading in float16/bfloat16).
    private Parameter Weight => get_parameter("weight")!;

    private Parameter Bias => get_parameter("bias")!;

    /// <summary>x·W + b over the last dimension.</summary>
    public Tensor Forward(Tensor x) => CpuLinear.Conv1D(x, Weight, Bias);
}
