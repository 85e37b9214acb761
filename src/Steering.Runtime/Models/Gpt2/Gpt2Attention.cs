using System;
using Steering.Generation;
using Steering.Models.Decoder;
using Steering.Models.Kernels;
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

    public Gpt2Attention(DecoderLayout layout, int layer, BlockHookPoints hooks) : base(nameof(Gpt2Attention))
    {
        _qkv = new Conv1D(layout.Dimensions.DModel, 3L * layout.Dimensions.DModel);
        _projection = new Conv1D(layout.Dimensions.DModel, layout.Dimensions.DModel);
        register_module("c_attn", _qkv);
        register_module("c_proj", _projection);
        _hooks = hooks;
        _layer = layer;
        _heads = layout.Dimensions.NHeads;
        _headWidth = layout.Dimensions.DHead;
        _scale = layout.Layers[layer].Scale;
    }

    /// <param name="x">[batch, pos, d_model], the first layer norm's output.</param>
    /// <param name="decoderPass">Positions, padding and the attention mask of this pass.</param>
    /// <param name="cache">Keys and values of earlier positions, extended by this pass; null without caching.</param>
    public Tensor Forward(Tensor x, DecoderPass decoderPass, KvCache? cache)
    {
        var pass = decoderPass.Pass;
        var bias = decoderPass.Mask.Bias();
        long batch = x.shape[0], length = x.shape[1], width = x.shape[2];
        var qkvOutput = _qkv.Forward(x);
        if (DecodeAttention.Applies(_hooks, pass, cache, length) && DecodeAttention.TryCompute(DecodeStep(qkvOutput, bias), cache!, _layer) is { } decoded)
            return _projection.Forward(_hooks.Z.Run(decoded, pass).reshape(batch, length, width));
        var qkv = qkvOutput.split(width, 2);
        var q = _hooks.Q.Run(qkv[0].view(batch, length, _heads, _headWidth), pass).transpose(1, 2);
        var k = _hooks.K.Run(qkv[1].view(batch, length, _heads, _headWidth), pass).transpose(1, 2);
        var v = _hooks.V.Run(qkv[2].view(batch, length, _heads, _headWidth), pass).transpose(1, 2);
        if (cache is not null)
            (k, v) = cache.Extend(_layer, k, v);

        Tensor z;
        if (_hooks.Scores.IsObservedIn(pass) || _hooks.Pattern.IsObservedIn(pass))
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

    /// <summary>The decode step's query, key and value heads side by side in the fused projection's output, no rotary embedding.</summary>
    private SingleQuery DecodeStep(Tensor qkv, Tensor bias)
    {
        var span = _heads * _headWidth;
        return new SingleQuery(qkv.shape[0], _heads, _heads, _headWidth, new NewHeads(qkv, 0, 3 * span), new NewHeads(qkv, span, 3 * span),
            new NewHeads(qkv, 2 * span, 3 * span), bias, _scale, Softcap: null, Rotary: null);
    }
}
