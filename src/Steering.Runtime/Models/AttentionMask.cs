using System.Collections.Generic;
using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>
/// Which keys each query may attend to in one pass — causal order over all cached and new positions, padding excluded,
/// and for sliding-window layers only the last window of positions — as an additive bias [batch, 1, q_pos, k_pos]: 0
/// where allowed, the dtype's lowest finite value where not. A finite value (Hugging Face does the same) keeps a fully
/// masked padding row finite instead of NaN. Built once per pass; each window's bias on first use.
/// </summary>
internal sealed class AttentionMask
{
    private readonly Tensor _keyIsToken;
    private readonly long _queryCount;
    private readonly ScalarType _dtype;
    private readonly Dictionary<int, Tensor> _biasByWindow = new();

    /// <param name="keyIsToken">[batch, k_pos] bool over cached and new positions.</param>
    /// <param name="queryCount">New positions in this pass (the last <paramref name="queryCount"/> keys).</param>
    /// <param name="dtype">The compute dtype.</param>
    public AttentionMask(Tensor keyIsToken, long queryCount, ScalarType dtype)
    {
        _keyIsToken = keyIsToken;
        _queryCount = queryCount;
        _dtype = dtype;
    }

    /// <summary>
    /// The bias for a layer attending to all earlier keys (<paramref name="slidingWindow"/> null) or to the last
    /// <paramref name="slidingWindow"/> positions, the query's own included (Hugging Face: <c>kv_idx &gt; q_idx - window</c>).
    /// Cached keys count too, so decoding with a KV cache masks exactly what a full pass does. Positions are slots:
    /// left padding sits before every token, so slot distances between tokens are position distances.
    /// </summary>
    public Tensor Bias(int? slidingWindow = null)
    {
        var key = slidingWindow ?? 0;
        if (_biasByWindow.TryGetValue(key, out var cached)) return cached;
        var keyCount = _keyIsToken.shape[1];
        var device = _keyIsToken.device;
        if (_queryCount == 1 && slidingWindow is null)
        {
            // A decode step: its one query comes after every key, so causal order allows them all and only padding is
            // masked — three calls instead of a dozen, in a step where each runs with cold caches.
            var decodeBias = zeros(_keyIsToken.shape, _dtype, device).masked_fill(_keyIsToken.logical_not(), LowestFinite(_dtype))
                .view(_keyIsToken.shape[0], 1, 1, keyCount);
            _biasByWindow[key] = decodeBias;
            return decodeBias;
        }
        var keySlots = arange(keyCount, ScalarType.Int64, device).view(1, keyCount);
        var querySlots = arange(keyCount - _queryCount, keyCount, 1, ScalarType.Int64, device).view(_queryCount, 1);
        var allowed = keySlots.le(querySlots);
        if (slidingWindow is int window)
            allowed = allowed.logical_and(keySlots.gt(querySlots - window));
        allowed = allowed.unsqueeze(0).logical_and(_keyIsToken.unsqueeze(1)).unsqueeze(1);
        var bias = zeros(allowed.shape, _dtype, device).masked_fill(allowed.logical_not(), LowestFinite(_dtype));
        _biasByWindow[key] = bias;
        return bias;
    }

    private static double LowestFinite(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };
}
