using System.Collections.Generic;
using Steering.Checkpoints.Gguf;
using Steering.Models.Gpt2;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Export;

/// <summary>
/// GPT-2 for folding and llama.cpp: every per-position point but the tied token embedding folds exactly into a bias
/// (or, before block 0, into the position embeddings); tensors map to llama.cpp's <c>gpt2</c> names as its
/// <c>convert_hf_to_gguf.py</c> writes them (Conv1D weights transposed to [out, in]).
/// </summary>
internal sealed class Gpt2Export : ExportArchitecture
{
    private readonly Gpt2Model _model;

    public Gpt2Export(Gpt2Model model) : base(model) => _model = model;

    private Gpt2Config Config => _model.Config;

    public override string GgufArchitecture => "gpt2";

    public override FoldRule? FoldRuleFor(int? layer, string site, out string refusal)
    {
        refusal = "";
        var d = Config.NEmbd;
        string Block(string name) => $"h.{layer}.{name}";
        FoldRule Bias(string name) => new(name, v => v);
        FoldRule BiasSection(string name, int section) => new(name, v =>
        {
            var increment = zeros(3L * d, v.dtype, v.device);
            increment.narrow(0, section * d, d).copy_(v);
            return increment;
        });
        // x·W + b with x + v: the bias takes v·W (Conv1D keeps W as [in, out]).
        FoldRule Through(string bias, string weight) => new(bias, v => v.matmul(Weights[weight].detach().to(v.dtype, v.device)));
        FoldRule PositionRows() => new("wpe.weight", v => v.unsqueeze(0));

        switch (layer, site)
        {
            case (null, HookSites.PosEmbed):
            case (0, HookSites.ResidPre):
                return PositionRows();
            case (null, HookSites.Embed):
                refusal = "the token embedding is tied to the output layer: changing it would change every logit, not only the residual stream";
                return null;
            case (null, HookSites.LnFinal): return Bias("ln_f.bias");
            case ({ } l, HookSites.ResidPre): return Bias($"h.{l - 1}.mlp.c_proj.bias");
            case (_, HookSites.Ln1): return Bias(Block("ln_1.bias"));
            case (_, HookSites.AttnQ): return BiasSection(Block("attn.c_attn.bias"), 0);
            case (_, HookSites.AttnK): return BiasSection(Block("attn.c_attn.bias"), 1);
            case (_, HookSites.AttnV): return BiasSection(Block("attn.c_attn.bias"), 2);
            case (_, HookSites.AttnZ): return Through(Block("attn.c_proj.bias"), Block("attn.c_proj.weight"));
            case (_, HookSites.AttnOut or HookSites.ResidMid): return Bias(Block("attn.c_proj.bias"));
            case (_, HookSites.Ln2): return Bias(Block("ln_2.bias"));
            case (_, HookSites.MlpPre): return Bias(Block("mlp.c_fc.bias"));
            case (_, HookSites.MlpPost): return Through(Block("mlp.c_proj.bias"), Block("mlp.c_proj.weight"));
            case (_, HookSites.MlpOut or HookSites.ResidPost): return Bias(Block("mlp.c_proj.bias"));
            default:
                refusal = "it is not a per-position activation (attention scores and patterns mix positions)";
                return null;
        }
    }

    public override void AddGgufMetadata(GgufWriter writer)
    {
        // llama.cpp's gpt2 graph: tanh-approximated GELU, scores scaled by 1/√d_head and nothing else.
        if (Config.ActivationFunction is not ("gelu_new" or "gelu_fast" or "gelu_pytorch_tanh"))
            throw new SteeringException($"llama.cpp's gpt2 uses the tanh-approximated GELU; this model's activation_function is \"{Config.ActivationFunction}\"");
        if (!Config.ScaleAttnWeights || Config.ScaleAttnByInverseLayerIdx)
            throw new SteeringException("llama.cpp's gpt2 scales attention scores by 1/sqrt(d_head) only; this model's scale_attn_weights / scale_attn_by_inverse_layer_idx differ");
        const string arch = "gpt2";
        writer.Add($"{arch}.context_length", (uint)Config.NPositions)
            .Add($"{arch}.embedding_length", (uint)Config.NEmbd)
            .Add($"{arch}.feed_forward_length", (uint)Config.NInner)
            .Add($"{arch}.block_count", (uint)Config.NLayer)
            .Add($"{arch}.attention.head_count", (uint)Config.NHead)
            .Add($"{arch}.attention.layer_norm_epsilon", (float)Config.LayerNormEpsilon);
        GgufVocabulary.AddByteLevelBpe(writer, _model.Tokenizer, Config.VocabSize, _model.SpecialTokens, preTokenizer: "gpt-2");
    }

    public override IEnumerable<GgufTensor> GgufTensors()
    {
        Tensor W(string name) => Weights[name].detach();
        yield return new("token_embd.weight", W("wte.weight"));
        yield return new("position_embd.weight", W("wpe.weight"));
        yield return new("output_norm.weight", W("ln_f.weight"));
        yield return new("output_norm.bias", W("ln_f.bias"));
        for (var i = 0; i < Config.NLayer; i++)
        {
            var h = $"h.{i}.";
            var blk = $"blk.{i}.";
            yield return new(blk + "attn_norm.weight", W(h + "ln_1.weight"));
            yield return new(blk + "attn_norm.bias", W(h + "ln_1.bias"));
            yield return new(blk + "attn_qkv.weight", W(h + "attn.c_attn.weight").t());
            yield return new(blk + "attn_qkv.bias", W(h + "attn.c_attn.bias"));
            yield return new(blk + "attn_output.weight", W(h + "attn.c_proj.weight").t());
            yield return new(blk + "attn_output.bias", W(h + "attn.c_proj.bias"));
            yield return new(blk + "ffn_norm.weight", W(h + "ln_2.weight"));
            yield return new(blk + "ffn_norm.bias", W(h + "ln_2.bias"));
            yield return new(blk + "ffn_up.weight", W(h + "mlp.c_fc.weight").t());
            yield return new(blk + "ffn_up.bias", W(h + "mlp.c_fc.bias"));
            yield return new(blk + "ffn_down.weight", W(h + "mlp.c_proj.weight").t());
            yield return new(blk + "ffn_down.bias", W(h + "mlp.c_proj.bias"));
        }
        // The LM head is the token embedding (GPT-2 ties them): llama.cpp reuses token_embd when "output" is absent.
    }
}
