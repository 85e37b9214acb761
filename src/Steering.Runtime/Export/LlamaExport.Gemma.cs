using System;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Models;
using Steering.Models.Gemma;

namespace Steering.Export;

/// <summary>
/// Gemma 2 and Gemma 3 as llama.cpp's <c>gemma2</c> and <c>gemma3</c> run them (llama-model.cpp and the converter's
/// Gemma2Model/Gemma3Model): norm weights stored as 1 + weight, post-sublayer norms (<c>post_attention_norm</c>,
/// <c>post_ffw_norm</c>), embeddings × √d_model, GELU (tanh), no biases. What llama.cpp fixes rather than reads is checked
/// against the model: which layers slide (gemma2 every other one from layer 0, gemma3 all but every 6th), gemma3's
/// sliding layers at rotary base 10000 unscaled, queries scaled by 1/√head_dim (1/√(d_model/heads) for the 27B sizes,
/// which llama.cpp knows by the layer count), gemma2's score and logit soft-caps always on, gemma3's off, gemma2's
/// output the token embedding.
/// </summary>
internal sealed partial class LlamaExport
{
    /// <summary>Why nothing folds into a point after Gemma's post-sublayer norms.</summary>
    private const string PostNormRefusal =
        "Gemma normalizes each sublayer's output (post_attention_layernorm, post_feedforward_layernorm: RMSNorms without a bias) before adding it to the residual stream, so no bias writes this point and an addition before the norm is rescaled by it; a control vector (blocks.N.resid_post) steers there, and attn.out_pre_norm folds into o_proj's bias";

    private bool IsGemma => GemmaConfigReader.ModelTypes.Contains(Layout.ModelType);

    /// <summary>llama.cpp's gemma2/gemma3 slide layer <paramref name="layer"/> when a window is set.</summary>
    private static bool SlidesInLlamaCpp(string arch, int layer) => arch == "gemma2" ? layer % 2 == 0 : layer % 6 < 5;

    /// <summary>The sliding window every sliding layer shares, or null when none slides.</summary>
    private int? SlidingWindow(string arch)
    {
        var windows = Layout.Layers.Select(l => l.SlidingWindow).OfType<int>().Distinct().ToList();
        if (windows.Count > 1)
            throw new SteeringException($"llama.cpp's {arch} has one sliding window; this model's layers have {string.Join(", ", windows)}");
        return windows.Count == 1 ? windows[0] : null;
    }

    /// <summary>Refuses what llama.cpp's gemma2/gemma3 graphs compute otherwise; returns the global layers' rotary embedding.</summary>
    private RotaryLayout CheckGemma(string arch)
    {
        var d = Layout.Dimensions;
        var gemma2 = arch == "gemma2";
        SteeringException Refused(string llamaCpp, string model) => new($"llama.cpp's {arch} {llamaCpp}; this model {model}");
        if (Layout.Activation is not ("gelu_pytorch_tanh" or "gelu_new" or "gelu_fast"))
            throw Refused("uses the tanh-approximated GELU", $"has hidden_activation \"{Layout.Activation}\"");
        if (Layout.QkvBias || Layout.OutputBias)
            throw Refused("has no attention biases", "has attention_bias true");
        if (gemma2 && !Layout.TiedEmbeddings)
            throw Refused("computes logits with the token embedding", "has its own lm_head (tie_word_embeddings false)");
        var largest = d.NLayers == (gemma2 ? 46 : 62);
        var scale = 1f / MathF.Sqrt(largest ? d.DModel / d.NHeads : d.DHead);
        if (Layout.Layers.FirstOrDefault(l => (float)l.Scale != scale) is { } other)
            throw Refused($"scales queries by 1/sqrt({(largest ? "d_model/heads" : "head_dim")}) = {scale}", $"scales them by {other.Scale} (query_pre_attn_scalar)");
        if (gemma2 && (Layout.AttentionSoftcap is null || Layout.FinalLogitSoftcap is null))
            throw Refused("always soft-caps attention scores and logits", "has attn_logit_softcapping or final_logit_softcapping null");
        if (!gemma2 && Layout.AttentionSoftcap is not null)
            throw Refused("does not soft-cap attention scores", $"has attn_logit_softcapping {Layout.AttentionSoftcap}");
        if (!gemma2 && Layout.FinalLogitSoftcap is not null)
            throw Refused("does not soft-cap logits (later llama.cpp versions do, but only without a sliding window)", $"has final_logit_softcapping {Layout.FinalLogitSoftcap}");

        var window = SlidingWindow(arch);
        if (gemma2 && window is null)
            throw Refused("slides every other layer (window 4096 unless set)", "has no sliding window");
        var global = Layout.Layers.Where((_, i) => window is null || !SlidesInLlamaCpp(arch, i)).Select(l => l.Rotary).FirstOrDefault() ?? Layout.Layers[0].Rotary!;
        if (global.Scaling is { Type: not RopeScaling.Linear } scaling)
            throw Refused("scales rotary frequencies linearly or not at all", $"has rope_scaling \"{scaling.Type}\"");
        for (var i = 0; i < d.NLayers; i++)
        {
            var slides = window is not null && SlidesInLlamaCpp(arch, i);
            var layer = Layout.Layers[i];
            if ((layer.SlidingWindow is not null) != slides)
                throw Refused(gemma2 ? "slides layers 0, 2, 4, … (layer_types sliding/full alternating)" : "slides all layers but every 6th when a window is set",
                    $"{(slides ? "does not slide" : "slides")} in layer {i}");
            var rotary = slides && !gemma2 ? new RotaryLayout(10_000, null) : global;
            if (layer.Rotary != rotary)
                throw Refused($"uses rotary base {rotary.Theta}{(rotary.Scaling is null ? "" : " scaled")} in layer {i}", $"uses {layer.Rotary?.Theta} (rope_theta / rope_local_base_freq)");
        }
        return global;
    }

    /// <summary>The converter's soft-caps (gemma2) and sliding window.</summary>
    private void AddGemmaMetadata(GgufWriter writer, string arch)
    {
        if (Layout.AttentionSoftcap is { } attention) writer.Add($"{arch}.attn_logit_softcapping", (float)attention);
        if (Layout.FinalLogitSoftcap is { } final) writer.Add($"{arch}.final_logit_softcapping", (float)final);
        if (SlidingWindow(arch) is { } window) writer.Add($"{arch}.attention.sliding_window", (uint)window);
    }
}
