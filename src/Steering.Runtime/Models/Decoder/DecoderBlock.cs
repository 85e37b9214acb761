using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// One pre-norm block, x + attn(norm(x)), then + mlp(norm(x)); with post-sublayer norms (Gemma) each sublayer's output
/// is normalized before it is added. Parameters named as Hugging Face's decoder layers: <c>input_layernorm</c>,
/// <c>self_attn</c>, <c>post_attention_layernorm</c>, <c>mlp</c>; with post-sublayer norms <c>post_attention_layernorm</c>
/// is the norm after attention (Gemma's naming) and <c>pre_feedforward_layernorm</c>/<c>post_feedforward_layernorm</c>
/// surround the MLP.
/// </summary>
internal sealed class DecoderBlock : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> _attentionNorm;
    private readonly DecoderAttention _attention;
    private readonly nn.Module<Tensor, Tensor>? _postAttentionNorm;
    private readonly nn.Module<Tensor, Tensor> _mlpNorm;
    private readonly DecoderMlp _mlp;
    private readonly nn.Module<Tensor, Tensor>? _postMlpNorm;
    private readonly BlockHookPoints _hooks;

    public DecoderBlock(DecoderLayout layout, int layer, BlockHookPoints hooks) : base(nameof(DecoderBlock))
    {
        long width = layout.Dimensions.DModel;
        _attentionNorm = Norms.Create(layout, width);
        _attention = new DecoderAttention(layout, layer, hooks);
        _mlpNorm = Norms.Create(layout, width);
        _mlp = new DecoderMlp(layout, hooks);
        register_module("input_layernorm", _attentionNorm);
        register_module("self_attn", _attention);
        if (layout.PostSublayerNorms)
        {
            _postAttentionNorm = Norms.Create(layout, width);
            _postMlpNorm = Norms.Create(layout, width);
            register_module("post_attention_layernorm", _postAttentionNorm);
            register_module("pre_feedforward_layernorm", _mlpNorm);
            register_module("post_feedforward_layernorm", _postMlpNorm);
        }
        else
        {
            // Llama's "post_attention_layernorm" is the norm before the MLP.
            register_module("post_attention_layernorm", _mlpNorm);
        }
        register_module("mlp", _mlp);
        _hooks = hooks;
    }

    public Tensor Forward(Tensor residual, DecoderPass decoderPass, KvCache? cache)
    {
        var pass = decoderPass.Pass;
        residual = _hooks.ResidPre.Run(residual, pass);
        var attention = _attention.Forward(_hooks.Ln1.Run(_attentionNorm.forward(residual), pass), decoderPass, cache);
        if (_postAttentionNorm is not null)
            attention = _postAttentionNorm.forward(_hooks.AttnOutPreNorm!.Run(attention, pass));
        residual = _hooks.ResidMid.Run(residual + _hooks.AttnOut.Run(attention, pass), pass);
        var mlp = _mlp.Forward(_hooks.Ln2.Run(_mlpNorm.forward(residual), pass), pass);
        if (_postMlpNorm is not null)
            mlp = _postMlpNorm.forward(_hooks.MlpOutPreNorm!.Run(mlp, pass));
        return _hooks.ResidPost.Run(residual + _hooks.MlpOut.Run(mlp, pass), pass);
    }
}
