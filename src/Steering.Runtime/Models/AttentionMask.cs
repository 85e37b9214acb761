using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>
/// Which keys each query may attend to in one pass — causal order over all cached and new positions, padding excluded —
/// as an additive bias [batch, 1, q_pos, k_pos]: 0 where allowed, the dtype's lowest finite value where not.
/// A finite value (Hugging Face does the same) keeps a fully masked padding row finite instead of NaN.
/// </summary>
internal static class AttentionMask
{
    /// <param name="keyIsToken">[batch, k_pos] bool over cached and new positions.</param>
    /// <param name="queryCount">New positions in this pass (the last <paramref name="queryCount"/> keys).</param>
    /// <param name="dtype">The compute dtype.</param>
    public static Tensor Bias(Tensor keyIsToken, long queryCount, ScalarType dtype)
    {
        var keyCount = keyIsToken.shape[1];
        var device = keyIsToken.device;
        var keySlots = arange(keyCount, ScalarType.Int64, device).view(1, keyCount);
        var querySlots = arange(keyCount - queryCount, keyCount, 1, ScalarType.Int64, device).view(queryCount, 1);
        var allowed = keySlots.le(querySlots).unsqueeze(0).logical_and(keyIsToken.unsqueeze(1)).unsqueeze(1);
        return zeros(allowed.shape, dtype, device).masked_fill(allowed.logical_not(), LowestFinite(dtype));
    }

    private static double LowestFinite(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };
}
