using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// RMSNorm as Hugging Face computes it: normalized in float32. Llama-style: the result is cast back to the input dtype,
/// then scaled by <c>weight</c> (stored around 1). Gemma-style (weightPlusOne): scaled by
/// (1 + weight) in float32 (weights stored around 0), then cast back.
/// </summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _epsilon;
    private readonly bool _weightPlusOne;

    public RmsNorm(long width, double epsilon, bool weightPlusOne) : base(nameof(RmsNorm))
    {
        _epsilon = epsilon;
        _weightPlusOne = weightPlusOne;
        register_parameter("weight", weightPlusOne ? ParameterAllocation.Zeros(width) : ParameterAllocation.Ones(width));
    }

    public override Tensor forward(Tensor x)
    {
        var weight = get_parameter("weight")!;
        var wide = x.to(ScalarType.Float32);
        var normalized = wide * (wide.pow(2).mean(new long[] { -1 }, keepdim: true) + _epsilon).rsqrt();
        return _weightPlusOne
            ? (normalized * (weight.to(ScalarType.Float32) + 1.0)).to(x.dtype)
            : weight * normalized.to(x.dtype);
    }
}
