using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Models;
using Steering.Models.Gemma;
using Steering.Models.Llama;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Export;

/// <summary>
/// The Llama-shaped families (<c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>qwen3</c>, <c>gemma2</c>,
/// <c>gemma3_text</c>) for folding and llama.cpp: tensors and metadata as llama.cpp's <c>convert_hf_to_gguf.py</c>
/// writes them — <c>llama</c> (Mistral too) with the query and key rows permuted from Hugging Face's half-split rotary
/// layout to llama.cpp's interleaved one, <c>qwen2</c>, <c>qwen3</c>, <c>gemma2</c>, <c>gemma3</c> unpermuted
/// (llama.cpp runs them with the NeoX rotary layout, which is Hugging Face's). Additions fold into the biases the model
/// has; rotary models have no bias before block 0 and, without attention_bias/mlp_bias, none after the projections.
/// Gemma's specifics are in LlamaExport.Gemma.cs.
/// </summary>
internal sealed partial class LlamaExport : ExportArchitecture
{
    private readonly HookedTransformer _model;

    public LlamaExport(HookedTransformer model) : base(model) => _model = model;

    private DecoderLayout Layout => _model.Layout;

    public override string GgufArchitecture => Layout.ModelType switch
    {
        LlamaConfigReader.Qwen2 => "qwen2",
        LlamaConfigReader.Qwen3 => "qwen3",
        GemmaConfigReader.Gemma2 => "gemma2",
        GemmaConfigReader.Gemma3 => "gemma3",
        _ => "llama",
    };

    /// <summary>llama.cpp's <c>llama</c> graph applies the rotary embedding to interleaved pairs; Hugging Face's to the two halves.</summary>
    private bool PermutesQueriesAndKeys => GgufArchitecture == "llama";

    public override FoldRule? FoldRuleFor(int? layer, string site, out string refusal)
    {
        var (rule, why, _) = Rule(layer, site);
        refusal = why;
        return rule;
    }

    /// <summary>
    /// Hugging Face's Llama (<c>attention_bias</c>: q/k/v/o, <c>mlp_bias</c>: gate/up/down), Qwen3 and Gemma 2/3
    /// (<c>attention_bias</c>) have flags that add the biases; Mistral's and Qwen2's configs have none.
    /// </summary>
    public override string? BiasFlagFor(int? layer, string site) =>
        Rule(layer, site) is (null, _, { } flag)
        && (Layout.ModelType, flag) is (LlamaConfigReader.Llama, _)
            or (LlamaConfigReader.Qwen3 or GemmaConfigReader.Gemma2 or GemmaConfigReader.Gemma3, "attention_bias")
            ? flag : null;

    private (FoldRule? Rule, string Refusal, string? MissingFlag) Rule(int? layer, string site)
    {
        var (refusal, missing) = ("", (string?)null);
        string Block(string name) => $"model.layers.{layer}.{name}";
        FoldRule? Bias(string name, bool present, string flag)
        {
            if (present) return new(name, v => v);
            refusal = $"the model has no {name.Split('.')[^2]} bias to fold into ({flag} is false; WeightFolding.Folded turns it on where the config has the flag)";
            missing = flag;
            return null;
        }
        // y = W·x + b with x + v: the bias takes W·v (Linear keeps W as [out, in]).
        FoldRule? Through(string projection, bool present, string flag) =>
            Bias(Block(projection + ".bias"), present, flag) is null ? null
                : new(Block(projection + ".bias"), v => Weights[Block(projection + ".weight")].detach().to(v.dtype, v.device).matmul(v));

        // A norm's output feeds several projections: each bias takes its W·v.
        FoldRule? Into(bool present, string flag, params string[] projections) =>
            projections.Select(p => Through(p, present, flag)).ToList() is var rules && rules.All(r => r is not null)
                ? FoldRule.Combined(rules!) : null;

        var (rule, why) = Pick();
        return (rule, why, rule is null ? missing : null);

        (FoldRule? Rule, string Refusal) Pick()
        {
            switch (layer, site)
            {
                case (null, HookSites.Embed):
                case (0, HookSites.ResidPre):
                    return (null, "nothing with a bias comes before block 0 in a rotary model (the token embedding is a lookup)");
                case (null, HookSites.LnFinal):
                    return (null, "RMSNorm has no bias to fold into");
                case (_, HookSites.AttnOut or HookSites.ResidMid or HookSites.MlpOut or HookSites.ResidPost) when Layout.PostSublayerNorms:
                case ( > 0, HookSites.ResidPre) when Layout.PostSublayerNorms:
                    return (null, PostNormRefusal);
                case (_, HookSites.AttnOutPreNorm): return (Bias(Block("self_attn.o_proj.bias"), Layout.OutputBias, "attention_bias"), refusal);
                case (_, HookSites.MlpOutPreNorm): return (Bias(Block("mlp.down_proj.bias"), Layout.MlpBias, "mlp_bias"), refusal);
                case ({ } l, HookSites.ResidPre):
                    return (Bias($"model.layers.{l - 1}.mlp.down_proj.bias", Layout.MlpBias, "mlp_bias"), refusal);
                case (_, HookSites.Ln1):
                    return (Into(Layout.QkvBias, "attention_bias", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"), refusal);
                case (_, HookSites.Ln2):
                    return (Into(Layout.MlpBias, "mlp_bias", "mlp.gate_proj", "mlp.up_proj"), refusal);
                case (_, HookSites.AttnQ or HookSites.AttnK) when Layout.QkNorm:
                    return (null, "queries and keys are normalized after their projections, so a bias there is not an addition at this point");
                case (_, HookSites.AttnQ): return (Bias(Block("self_attn.q_proj.bias"), Layout.QkvBias, "attention_bias"), refusal);
                case (_, HookSites.AttnK): return (Bias(Block("self_attn.k_proj.bias"), Layout.QkvBias, "attention_bias"), refusal);
                case (_, HookSites.AttnV): return (Bias(Block("self_attn.v_proj.bias"), Layout.QkvBias, "attention_bias"), refusal);
                case (_, HookSites.AttnZ): return (Through("self_attn.o_proj", Layout.OutputBias, "attention_bias"), refusal);
                case (_, HookSites.AttnOut or HookSites.ResidMid): return (Bias(Block("self_attn.o_proj.bias"), Layout.OutputBias, "attention_bias"), refusal);
                case (_, HookSites.MlpPre): return (Bias(Block("mlp.gate_proj.bias"), Layout.MlpBias, "mlp_bias"), refusal);
                case (_, HookSites.MlpPreLinear): return (Bias(Block("mlp.up_proj.bias"), Layout.MlpBias, "mlp_bias"), refusal);
                case (_, HookSites.MlpPost): return (Through("mlp.down_proj", Layout.MlpBias, "mlp_bias"), refusal);
                case (_, HookSites.MlpOut or HookSites.ResidPost): return (Bias(Block("mlp.down_proj.bias"), Layout.MlpBias, "mlp_bias"), refusal);
                default:
                    return (null, "it is not a per-position activation before any rotation (rotated queries and keys depend on the position; scores and patterns mix positions)");
            }
        }
    }

    public override void AddGgufMetadata(GgufWriter writer)
    {
        var arch = GgufArchitecture;
        var d = Layout.Dimensions;
        var rotary = IsGemma ? CheckGemma(arch) : CheckLlamaShaped(arch);
        writer.Add($"{arch}.context_length", (uint)d.NCtx)
            .Add($"{arch}.embedding_length", (uint)d.DModel)
            .Add($"{arch}.block_count", (uint)d.NLayers)
            .Add($"{arch}.feed_forward_length", (uint)d.DMlp)
            .Add($"{arch}.attention.head_count", (uint)d.NHeads)
            .Add($"{arch}.attention.head_count_kv", (uint)d.NKvHeads)
            .Add($"{arch}.attention.key_length", (uint)d.DHead)
            .Add($"{arch}.attention.value_length", (uint)d.DHead)
            .Add($"{arch}.attention.layer_norm_rms_epsilon", (float)Layout.NormEpsilon)
            .Add($"{arch}.rope.freq_base", (float)rotary.Theta)
            .Add($"{arch}.rope.dimension_count", (uint)d.DHead)
            .Add($"{arch}.vocab_size", (uint)d.DVocab);
        if (rotary.Scaling is { Type: RopeScaling.Linear } linear)
            writer.Add($"{arch}.rope.scaling.type", "linear").Add($"{arch}.rope.scaling.factor", (float)linear.Factor);
        if (IsGemma) AddGemmaMetadata(writer, arch);
        if (_model.Tokenizer.Pipeline is { Model.ByteFallback: true })
            GgufVocabulary.AddSentencePiece(writer, _model.Tokenizer, d.DVocab, _model.SpecialTokens);
        else
            GgufVocabulary.AddByteLevelBpe(writer, _model.Tokenizer, d.DVocab, _model.SpecialTokens, arch == "llama" ? "llama-bpe" : "qwen2");
    }

    /// <summary>Refuses what llama.cpp's llama, qwen2 and qwen3 graphs compute otherwise; returns the rotary embedding.</summary>
    private RotaryLayout CheckLlamaShaped(string arch)
    {
        if (Layout.Activation != "silu")
            throw new SteeringException($"llama.cpp's {arch} uses SiLU in the MLP; this model's hidden_act is \"{Layout.Activation}\"");
        if (Layout.Layers.Select((l, i) => (l.SlidingWindow, i)).FirstOrDefault(l => l.SlidingWindow is { } w && w < Layout.Dimensions.NCtx) is ({ } window, var layer))
            throw new SteeringException($"llama.cpp's {arch} attends to every earlier position; this model's layer {layer} has a sliding window of {window}");
        if (arch == "qwen3" && (Layout.QkvBias || Layout.OutputBias))
            throw new SteeringException("llama.cpp's qwen3 has no attention biases; this model has attention_bias true");
        if (arch == "qwen2" && Layout.OutputBias)
            throw new SteeringException("llama.cpp's qwen2 has no output projection bias; this model has one");
        if (arch != "llama" && Layout.MlpBias)
            throw new SteeringException($"llama.cpp's {arch} has no MLP biases; this model has mlp_bias true");
        return Layout.Layers[0].Rotary!;
    }

    public override IEnumerable<GgufTensor> GgufTensors()
    {
        Tensor W(string name) => Weights[name].detach();
        // Gemma scales by (1 + weight): the converter stores 1 + weight, formed in float32 as Gemma's RMSNorm forms it.
        Tensor Norm(string name) => Layout.NormWeightPlusOne ? W(name).to(ScalarType.Float32).add(1.0) : W(name);
        var d = Layout.Dimensions;
        yield return new("token_embd.weight", W("model.embed_tokens.weight"));
        yield return new("output_norm.weight", Norm("model.norm.weight"));
        if (!Layout.TiedEmbeddings) yield return new("output.weight", W("lm_head.weight"));
        if (Layout.Layers[0].Rotary!.Scaling is { Type: RopeScaling.Llama3 } llama3)
            yield return new("rope_freqs.weight", Llama3RopeFactors(Layout.Layers[0].Rotary!.Theta, d.DHead, llama3));
        Tensor Rows(Tensor t, int heads) => PermutesQueriesAndKeys ? Interleave(t, heads) : t;
        for (var i = 0; i < d.NLayers; i++)
        {
            var h = $"model.layers.{i}.";
            var blk = $"blk.{i}.";
            yield return new(blk + "attn_norm.weight", Norm(h + "input_layernorm.weight"));
            yield return new(blk + "attn_q.weight", Rows(W(h + "self_attn.q_proj.weight"), d.NHeads));
            yield return new(blk + "attn_k.weight", Rows(W(h + "self_attn.k_proj.weight"), d.NKvHeads));
            yield return new(blk + "attn_v.weight", W(h + "self_attn.v_proj.weight"));
            if (Layout.QkvBias)
            {
                yield return new(blk + "attn_q.bias", Rows(W(h + "self_attn.q_proj.bias"), d.NHeads));
                yield return new(blk + "attn_k.bias", Rows(W(h + "self_attn.k_proj.bias"), d.NKvHeads));
                yield return new(blk + "attn_v.bias", W(h + "self_attn.v_proj.bias"));
            }
            if (Layout.QkNorm)
            {
                yield return new(blk + "attn_q_norm.weight", Norm(h + "self_attn.q_norm.weight"));
                yield return new(blk + "attn_k_norm.weight", Norm(h + "self_attn.k_norm.weight"));
            }
            yield return new(blk + "attn_output.weight", W(h + "self_attn.o_proj.weight"));
            if (Layout.OutputBias) yield return new(blk + "attn_output.bias", W(h + "self_attn.o_proj.bias"));
            // Llama's post_attention_layernorm is the norm before the MLP; Gemma's is after attention and has its own.
            if (Layout.PostSublayerNorms)
            {
                yield return new(blk + "post_attention_norm.weight", Norm(h + "post_attention_layernorm.weight"));
                yield return new(blk + "ffn_norm.weight", Norm(h + "pre_feedforward_layernorm.weight"));
            }
            else
            {
                yield return new(blk + "ffn_norm.weight", Norm(h + "post_attention_layernorm.weight"));
            }
            yield return new(blk + "ffn_gate.weight", W(h + "mlp.gate_proj.weight"));
            yield return new(blk + "ffn_up.weight", W(h + "mlp.up_proj.weight"));
            yield return new(blk + "ffn_down.weight", W(h + "mlp.down_proj.weight"));
            if (Layout.PostSublayerNorms) yield return new(blk + "post_ffw_norm.weight", Norm(h + "post_feedforward_layernorm.weight"));
            if (Layout.MlpBias)
            {
                yield return new(blk + "ffn_gate.bias", W(h + "mlp.gate_proj.bias"));
                yield return new(blk + "ffn_up.bias", W(h + "mlp.up_proj.bias"));
                yield return new(blk + "ffn_down.bias", W(h + "mlp.down_proj.bias"));
            }
        }
    }

    /// <summary>
    /// The converter's <c>LlamaModel.permute</c>: within each head, rows [first half; second half] become pairs
    /// (row j of the first half, row j of the second half), so llama.cpp's rotation of adjacent pairs rotates what
    /// Hugging Face's rotate_half rotates.
    /// </summary>
    private static Tensor Interleave(Tensor rows, int heads)
    {
        var shape = rows.shape;
        var rest = shape.Skip(1).ToArray();
        return rows.reshape(new long[] { heads, 2, shape[0] / heads / 2 }.Concat(rest).ToArray()).swapaxes(1, 2).reshape(shape);
    }

    /// <summary>
    /// The converter's <c>rope_freqs</c> for llama3 scaling: per frequency, the divisor llama.cpp applies — 1 for
    /// wavelengths shorter than original/high_freq_factor, the factor for those longer than original/low_freq_factor,
    /// and the smooth interpolation between.
    /// </summary>
    private static Tensor Llama3RopeFactors(double theta, int dHead, RopeScaling scaling)
    {
        var lowWavelength = scaling.OriginalMaxPositions / scaling.LowFreqFactor;
        var highWavelength = scaling.OriginalMaxPositions / scaling.HighFreqFactor;
        var factors = new float[dHead / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var frequency = (double)(float)(1.0 / Math.Pow(theta, 2.0 * i / dHead));
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highWavelength) factors[i] = 1;
            else if (wavelength > lowWavelength) factors[i] = (float)scaling.Factor;
            else
            {
                var smooth = ((scaling.OriginalMaxPositions / wavelength) - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                factors[i] = (float)(1 / (((1 - smooth) / scaling.Factor) + smooth));
            }
        }
        return tensor(factors);
    }
}
