using System;
using System.Linq;
using Steering.Generation;
using Steering.Hooks;
using Steering.Models.Kernels;
using Steering.Schema;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// The generic decoder: token embedding (optionally scaled) → blocks → final norm → unembedding (the embedding when
/// tied; optionally soft-capped), built from a <see cref="DecoderLayout"/>. Parameters are named as Hugging Face's
/// <c>…ForCausalLM</c> names them: <c>model.embed_tokens.weight</c>, <c>model.layers.{i}.…</c>, <c>model.norm.weight</c>,
/// <c>lm_head.weight</c> (untied only).
/// </summary>
internal sealed class CausalLmNetwork : DecoderNetwork
{
    private readonly Body _body;
    private readonly Linear? _head;
    private readonly double? _embeddingMultiplier;
    private readonly double? _finalSoftcap;

    public CausalLmNetwork(DecoderLayout layout, HookPointCollection hooks) : base(nameof(CausalLmNetwork))
    {
        if (layout.LearnedPositions)
            throw new ArgumentException("the generic decoder has rotary positions only; learned positions are GPT-2's network", nameof(layout));
        _body = new Body(layout, hooks);
        register_module("model", _body);
        if (!layout.TiedEmbeddings)
        {
            _head = new Linear(layout.Dimensions.DModel, layout.Dimensions.DVocab, hasBias: false);
            register_module("lm_head", _head);
        }
        _embeddingMultiplier = layout.EmbeddingMultiplier;
        _finalSoftcap = layout.FinalLogitSoftcap;
    }

    public override Tensor Forward(Tensor ids, DecoderPass pass, KvCache? cache)
    {
        var residual = _body.Embed.Run(_body.Tokens.Forward(ids), pass.Pass);
        // Gemma multiplies by √d_model rounded to the compute dtype (a tensor of that dtype), not the exact value.
        if (_embeddingMultiplier is double multiplier)
            residual = residual * tensor(multiplier, residual.dtype, residual.device);
        foreach (var block in _body.Blocks)
            residual = block.Forward(residual, pass, cache);
        var normalized = _body.LnFinal.Run(_body.FinalNorm.forward(residual), pass.Pass);
        var headInput = pass.HeadInput(normalized);
        var logits = _head is null ? CpuLinear.Linear(headInput, _body.Tokens.Weight, null) : _head.Forward(headInput);
        return _finalSoftcap is double cap ? logits.div(cap).tanh().mul(cap) : logits;
    }

    /// <summary>Hugging Face's <c>model</c>: embed_tokens, layers, norm.</summary>
    private sealed class Body : nn.Module
    {
        public Body(DecoderLayout layout, HookPointCollection hooks) : base(nameof(Body))
        {
            var d = layout.Dimensions;
            Tokens = new Embedding(d.DVocab, d.DModel);
            Blocks = new ModuleList<DecoderBlock>(Enumerable.Range(0, d.NLayers)
                .Select(layer => new DecoderBlock(layout, layer, new BlockHookPoints(hooks, layer, layout.HookLayout))).ToArray());
            FinalNorm = Norms.Create(layout, d.DModel);
            register_module("embed_tokens", Tokens);
            register_module("layers", Blocks);
            register_module("norm", FinalNorm);
            Embed = hooks[HookSites.Embed];
            LnFinal = hooks[HookSites.LnFinal];
        }

        public Embedding Tokens { get; }
        public ModuleList<DecoderBlock> Blocks { get; }
        public nn.Module<Tensor, Tensor> FinalNorm { get; }
        public HookPoint Embed { get; }
        public HookPoint LnFinal { get; }
    }
}
