using Steering.Generation;
using Steering.Models.Decoder;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>One pre-norm GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(x)), passing every TransformerLens hook point.</summary>
internal sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm _ln1;
    private readonly Gpt2Attention _attention;
    private readonly LayerNorm _ln2;
    private readonly Gpt2Mlp _mlp;
    private readonly BlockHookPoints _hooks;

    public Gpt2Block(DecoderLayout layout, int layer, BlockHookPoints hooks) : base(nameof(Gpt2Block))
    {
        _ln1 = ParameterAllocation.LayerNorm(layout.Dimensions.DModel, layout.NormEpsilon);
        _attention = new Gpt2Attention(layout, layer, hooks);
        _ln2 = ParameterAllocation.LayerNorm(layout.Dimensions.DModel, layout.NormEpsilon);
        _mlp = new Gpt2Mlp(layout, hooks);
        register_module("ln_1", _ln1);
        register_module("attn", _attention);
        register_module("ln_2", _ln2);
        register_module("mlp", _mlp);
        _hooks = hooks;
    }

    public Tensor Forward(Tensor residual, DecoderPass decoderPass, KvCache? cache)
    {
        var pass = decoderPass.Pass;
        residual = _hooks.ResidPre.Run(residual, pass);
        var attentionInput = _hooks.Ln1.Run(_ln1.forward(residual), pass);
        var attentionOutput = _hooks.AttnOut.Run(_attention.Forward(attentionInput, decoderPass, cache), pass);
        residual = _hooks.ResidMid.Run(residual + attentionOutput, pass);
        var mlpInput = _hooks.Ln2.Run(_ln2.forward(residual), pass);
        var mlpOutput = _hooks.MlpOut.Run(_mlp.Forward(mlpInput, pass), pass);
        return _hooks.ResidPost.Run(residual + mlpOutput, pass);
    }
}
