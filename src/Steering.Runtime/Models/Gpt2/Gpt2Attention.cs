using System;
using Steering.Generation;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>GPT-2 multi-head causal self-attention, as Hugging Face's GPT2Attention computes it, with hook points.</summary>
internal sealed class Gpt2Attention : nn.Module
{
    private readonly Conv1D _qkv;
    private readonly Conv1D _projection;
    private readonly BlockHookPoints _hooks;
    private readonly int _layer;
    private readonly long _heads;
    private readonly long _headWidth;
    private readonly double _scale;

    public Gpt2Attention(Gpt2Config config, int layer, BlockHookPoints hooks) : base(nameof(Gpt2Attention))
    {
        _qkv = new Conv1D(config.NEmbd, 3L * config.NEmbd);
        _projection = new Conv1D(config.NEmbd, config.NEmbd);
        register_module("c_attn", _qkv);
        register_module("c_proj", _projection);
        _hooks = hooks;
        _layer = layer;
        _heads = config.NHead;
        _headWidth = config.DHead;
        var scale = config.ScaleAttnWeights ? 1.0 / Math.Sqrt(config.DHead) : 1.0;
        _scale = config.ScaleAttnByInverseLayerIdx ? scale / (layer + 1) : scale;
    }

    /// <param name="x">[batch, pos, d_model], the first layer norm's output.</param>
    /// <param name="pass">Positions and padding of this pass.</param>
    /// <param name="bias">[batch, 1, q_pos, k_pos] additive attention bias.</param>
    /// <param name="cache">Keys and values of earlier positions, extended by this pass; null without caching.</param>
    public Tensor Forward(Tensor x, ForwardPass pass, Tensor bias, KvCache? cache)
    {
        long batch = x.shape[0], length = x.shape[1], width = x.shape[2];
        var qkv = _qkv.Forward(x).split(width, 2);
        var q = _hooks.Q.Run(qkv[0].view(batch, length, _heads, _headWidth), pass).transpose(1, 2);
        var k = _hooks.K.Run(qkv[1].view(batch, length, _heads, _headWidth), pass).transpose(1, 2);
        var v = _hooks.V.Run(qkv[2].view(batch, length, _heads, _headWidth), pass).transpose(1, 2);
        if (cache is not null)
            (k, v) = cache.Extend(_layer, k, v);

        Tensor z;
        if (_hooks.Scores.IsHooked || _hooks.Pattern.IsHooked)
        {
            var scores = _hooks.Scores.Run(q.matmul(k.transpose(-1, -2)).mul(_scale).add(bias), pass);
            var pattern = _hooks.Pattern.Run(scores.softmax(-1), pass);
            z = pattern.matmul(v);
        }
        else
        {
            // Nobody observes the pattern: let libtorch fuse it away. SDPA always scales by 1/√d_head, so the query
            // carries any other scale (1 for standard GPT-2).
            var query = _scale * Math.Sqrt(_headWidth) is var factor && factor != 1.0 ? q.mul(factor) : q;
            z = nn.functional.scaled_dot_product_attention(query, k, v, bias);
        }
        z = _hooks.Z.Run(z.transpose(1, 2), pass);
        return _projection.Forward(z.reshape(batch, length, width));
    }
}
