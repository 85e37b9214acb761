using System;
using Steering.Generation;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// Causal self-attention as Hugging Face's Llama-family attention computes it: q/k/v projections (optional biases),
/// grouped-query heads, optional per-head q/k RMSNorm, rotary embedding, optional sliding window and score soft-capping,
/// softmax in float32, output projection. Parameters named <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>o_proj</c>,
/// <c>q_norm</c>, <c>k_norm</c>. A decode step nobody observes inside runs in one kernel call (<see cref="DecodeAttention"/>).
/// </summary>
internal sealed class DecoderAttention : nn.Module
{
    private readonly Linear _query;
    private readonly Linear _key;
    private readonly Linear _value;
    private readonly Linear _output;
    private readonly RmsNorm? _queryNorm;
    private readonly RmsNorm? _keyNorm;
    private readonly BlockHookPoints _hooks;
    private readonly AttentionLayerLayout _settings;
    private readonly float[]? _inverseFrequencies;
    private readonly double? _softcap;
    private readonly int _layer;
    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly long _headWidth;

    public DecoderAttention(DecoderLayout layout, int layer, BlockHookPoints hooks) : base(nameof(DecoderAttention))
    {
        var d = layout.Dimensions;
        _heads = d.NHeads;
        _kvHeads = d.NKvHeads;
        _headWidth = d.DHead;
        _query = new Linear(d.DModel, _heads * _headWidth, layout.QkvBias);
        _key = new Linear(d.DModel, _kvHeads * _headWidth, layout.QkvBias);
        _value = new Linear(d.DModel, _kvHeads * _headWidth, layout.QkvBias);
        _output = new Linear(_heads * _headWidth, d.DModel, layout.OutputBias);
        register_module("q_proj", _query);
        register_module("k_proj", _key);
        register_module("v_proj", _value);
        register_module("o_proj", _output);
        if (layout.QkNorm)
        {
            _queryNorm = new RmsNorm(_headWidth, layout.NormEpsilon, layout.NormWeightPlusOne);
            _keyNorm = new RmsNorm(_headWidth, layout.NormEpsilon, layout.NormWeightPlusOne);
            register_module("q_norm", _queryNorm);
            register_module("k_norm", _keyNorm);
        }
        _hooks = hooks;
        _layer = layer;
        _settings = layout.Layers[layer];
        _inverseFrequencies = _settings.Rotary is { } rotary ? RotaryEmbedding.InverseFrequencies(rotary, d.DHead) : null;
        _softcap = layout.AttentionSoftcap;
    }

    /// <param name="x">[batch, pos, d_model], the pre-attention norm's output.</param>
    /// <param name="pass">This pass's positions, mask and rotary angles.</param>
    /// <param name="cache">Keys and values of earlier positions, extended by this pass; null without caching.</param>
    public Tensor Forward(Tensor x, DecoderPass pass, KvCache? cache)
    {
        long batch = x.shape[0], length = x.shape[1];
        var forward = pass.Pass;
        Tensor queryOutput = _query.Forward(x), keyOutput = _key.Forward(x), valueOutput = _value.Forward(x);
        if (DecodeAttention.Applies(_hooks, forward, cache, length)
            && DecodeAttention.TryCompute(DecodeStep(queryOutput, keyOutput, valueOutput, pass), cache!, _layer) is { } decoded)
            return _output.Forward(_hooks.Z.Run(decoded, forward).reshape(batch, length, _heads * _headWidth));
        var q = _hooks.Q.Run(queryOutput.view(batch, length, _heads, _headWidth), forward);
        var k = _hooks.K.Run(keyOutput.view(batch, length, _kvHeads, _headWidth), forward);
        var v = _hooks.V.Run(valueOutput.view(batch, length, _kvHeads, _headWidth), forward);
        if (_queryNorm is not null) q = _queryNorm.forward(q);
        if (_keyNorm is not null) k = _keyNorm.forward(k);
        if (_settings.Rotary is { } rotary)
        {
            var angles = pass.Angles(rotary, _inverseFrequencies!);
            q = _hooks.RotQ!.Run(RotaryEmbedding.Apply(q, angles), forward);
            k = _hooks.RotK!.Run(RotaryEmbedding.Apply(k, angles), forward);
        }
        Tensor keys = k.transpose(1, 2), values = v.transpose(1, 2);
        if (cache is not null)
            (keys, values) = cache.Extend(_layer, keys, values);
        if (_kvHeads != _heads)
        {
            // Hugging Face's repeat_kv: key/value head j serves query heads j·g … j·g + g − 1.
            keys = keys.repeat_interleave(_heads / _kvHeads, 1);
            values = values.repeat_interleave(_heads / _kvHeads, 1);
        }
        var queries = q.transpose(1, 2);
        var bias = pass.Mask.Bias(_settings.SlidingWindow);

        Tensor z;
        if (_hooks.Scores.IsObservedIn(forward) || _hooks.Pattern.IsObservedIn(forward) || _softcap is not null)
        {
            var scores = queries.matmul(keys.transpose(-1, -2)).mul(_settings.Scale);
            if (_softcap is double cap) scores = scores.div(cap).tanh().mul(cap);
            scores = _hooks.Scores.Run(scores.add(bias), forward);
            var pattern = _hooks.Pattern.Run(scores.softmax(-1, ScalarType.Float32).to(queries.dtype), forward);
            z = pattern.matmul(values);
        }
        else
        {
            // Nobody observes the pattern: let libtorch fuse it away. SDPA scales by 1/√d_head; the query carries any other scale.
            var factor = _settings.Scale * Math.Sqrt(_headWidth);
            z = nn.functional.scaled_dot_product_attention(factor != 1.0 ? queries.mul(factor) : queries, keys, values, bias);
        }
        z = _hooks.Z.Run(z.transpose(1, 2), forward);
        return _output.Forward(z.reshape(batch, length, _heads * _headWidth));
    }

    /// <summary>
    /// The decode step's heads for the kernel: the projections as they are, or through the per-head q/k norms (a few
    /// libtorch operations, as the general path computes them); the rotary embedding is left to the kernel.
    /// </summary>
    private SingleQuery DecodeStep(Tensor queryOutput, Tensor keyOutput, Tensor valueOutput, DecoderPass pass)
    {
        long batch = queryOutput.shape[0];
        if (_queryNorm is not null) queryOutput = _queryNorm.forward(queryOutput.view(batch, 1, _heads, _headWidth)).view(batch, 1, -1);
        if (_keyNorm is not null) keyOutput = _keyNorm.forward(keyOutput.view(batch, 1, _kvHeads, _headWidth)).view(batch, 1, -1);
        var angles = _settings.Rotary is { } rotary ? pass.Angles(rotary, _inverseFrequencies!) : ((Tensor, Tensor)?)null;
        return new SingleQuery(batch, _heads, _kvHeads, _headWidth, NewHeads.Of(queryOutput), NewHeads.Of(keyOutput), NewHeads.Of(valueOutput),
            pass.Mask.Bias(_settings.SlidingWindow), _settings.Scale, _softcap, angles);
    }
}
