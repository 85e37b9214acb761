using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>The norm modules a layout asks for.</summary>
internal static class Norms
{
    /// <summary>A norm over the last dimension of width <paramref name="width"/>, of the layout's kind.</summary>
    public static nn.Module<Tensor, Tensor> Create(DecoderLayout layout, long width) => layout.Norm switch
    {
        NormKind.LayerNorm => ParameterAllocation.LayerNorm(width, layout.NormEpsilon),
        _ => new RmsNorm(width, layout.NormEpsilon, layout.NormWeightPlusOne),
    };
}
