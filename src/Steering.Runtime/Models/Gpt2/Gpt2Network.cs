using System.Linq;
using Steering.Generation;
using Steering.Hooks;
using Steering.Models.Decoder;
using Steering.Models.Kernels;
using Steering.Schema;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>
/// GPT-2's module tree, parameters named as in Hugging Face's GPT2Model (<c>wte.weight</c>, <c>h.0.attn.c_attn.weight</c>,
/// …, <c>ln_f.bias</c>); the LM head is the token embedding (tied).
/// </summary>
internal sealed class Gpt2Network : DecoderNetwork
{
    private readonly Embedding _tokens;
    private readonly Embedding _positions;
    private readonly ModuleList<Gpt2Block> _blocks;
    private readonly LayerNorm _finalNorm;
    private readonly HookPoint _embed;
    private readonly HookPoint _posEmbed;
    private readonly HookPoint _lnFinal;

    public Gpt2Network(DecoderLayout layout, HookPointCollection hooks) : base(nameof(Gpt2Network))
    {
        _tokens = new Embedding(layout.Dimensions.DVocab, layout.Dimensions.DModel);
        _positions = new Embedding(layout.Dimensions.NCtx, layout.Dimensions.DModel);
        _blocks = new ModuleList<Gpt2Block>(Enumerable.Range(0, layout.Dimensions.NLayers)
            .Select(layer => new Gpt2Block(layout, layer, new BlockHookPoints(hooks, layer, layout.HookLayout))).ToArray());
        _finalNorm = ParameterAllocation.LayerNorm(layout.Dimensions.DModel, layout.NormEpsilon);
        register_module("wte", _tokens);
        register_module("wpe", _positions);
        register_module("h", _blocks);
        register_module("ln_f", _finalNorm);
        _embed = hooks[HookSites.Embed];
        _posEmbed = hooks[HookSites.PosEmbed];
        _lnFinal = hooks[HookSites.LnFinal];
    }

    public override Tensor Forward(Tensor ids, DecoderPass decoderPass, KvCache? cache)
    {
        var pass = decoderPass.Pass;
        var residual = _embed.Run(_tokens.Forward(ids), pass) + _posEmbed.Run(_positions.Forward(pass.Positions), pass);
        foreach (var block in _blocks)
            residual = block.Forward(residual, decoderPass, cache);
        var normalized = _lnFinal.Run(_finalNorm.forward(residual), pass);
        return CpuLinear.Linear(decoderPass.HeadInput(normalized), _tokens.Weight, null);
    }
}
