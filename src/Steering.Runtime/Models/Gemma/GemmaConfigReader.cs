using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Models.Llama;

namespace Steering.Models.Gemma;

/// <summary>
/// config.json of <c>gemma2</c> and <c>gemma3_text</c> (or the text part of a multimodal <c>gemma3</c>) →
/// <see cref="DecoderLayout"/>, with the defaults of Hugging Face's Gemma2Config and Gemma3TextConfig for absent keys,
/// and back. What makes them Gemma: embeddings × √hidden_size,
/// RMSNorm scaling by (1 + weight), norms after attention and after the MLP, attention scaled by
/// query_pre_attn_scalar^−½, soft-capped attention scores and logits (Gemma 2's defaults; Gemma 3 only when set), sliding
/// layers (Gemma 2: every other one from layer 0; Gemma 3: all but every sliding_window_pattern-th), and in Gemma 3
/// per-head q/k norms and sliding layers with their own rotary base (rope_local_base_freq, never scaled).
/// </summary>
internal static class GemmaConfigReader
{
    public const string Gemma2 = "gemma2";
    public const string Gemma3 = "gemma3_text";

    /// <summary>Gemma 3 with its vision tower (Gemma3ForConditionalGeneration): its <c>text_config</c> is read, the rest ignored.</summary>
    public const string Gemma3Multimodal = "gemma3";

    public static IReadOnlyList<string> ModelTypes { get; } = new[] { Gemma2, Gemma3, Gemma3Multimodal };

    private const int DefaultBos = 2, DefaultEos = 1;

    /// <exception cref="CheckpointException">A value is malformed, inconsistent or unsupported; the message names the key.</exception>
    public static ModelConfig Read(ConfigJson json)
    {
        if (json.ModelType == Gemma3Multimodal)
        {
            using var text = TextConfig(json);
            return Read(text);
        }
        var type = json.ModelType;
        var gemma3 = type == Gemma3;
        if (json.GetBool("use_bidirectional_attention", false))
            throw new CheckpointException(json.Path, "use_bidirectional_attention is true (an embedding model): only causal Gemma is supported");
        if (json.GetObject("rope_parameters") is { } parameters && parameters.TryGetProperty("full_attention", out _))
            throw new CheckpointException(json.Path,
                "rope_parameters per layer type (transformers 5) is not supported; give rope_theta, rope_local_base_freq and rope_scaling");

        var dimensions = LlamaConfigReader.ReadDimensions(json, gemma3
            ? new LlamaConfigReader.SizeDefaults(262208, 2304, 9216, 26, 8, 4, 256, 131072)
            : new LlamaConfigReader.SizeDefaults(256000, 2304, 9216, 26, 8, 4, 256, 8192));
        var queryPreAttnScalar = json.GetDouble("query_pre_attn_scalar", 256);
        if (!(queryPreAttnScalar > 0))
            throw new CheckpointException(json.Path, $"query_pre_attn_scalar is {queryPreAttnScalar}; it must be positive");
        var attentionSoftcap = Softcap(json, "attn_logit_softcapping", gemma3 ? null : 50.0);
        var finalSoftcap = Softcap(json, "final_logit_softcapping", gemma3 ? null : 30.0);

        var global = LlamaConfigReader.ReadRotary(json, gemma3 ? 1_000_000.0 : 10_000.0);
        var localBase = json.GetDouble("rope_local_base_freq", 10_000.0);
        if (gemma3 && !(localBase > 0))
            throw new CheckpointException(json.Path, $"rope_local_base_freq is {localBase}; it must be positive");
        var local = gemma3 ? new RotaryLayout(localBase, null) : global;
        var window = json.Has("sliding_window") ? json.GetPositiveInt("sliding_window") : (int?)(json.HasKey("sliding_window") ? null : 4096);
        var scale = Math.Pow(queryPreAttnScalar, -0.5);
        // A layer's type picks its rotary embedding even when sliding_window is null (then nothing slides).
        var sliding = Sliding(json, type, dimensions.NLayers);
        var layers = sliding
            .Select(slides => slides ? new AttentionLayerLayout(scale, window, local) : new AttentionLayerLayout(scale, null, global))
            .ToList();

        var attentionBias = json.GetBool("attention_bias", false);
        var layout = new DecoderLayout
        {
            ModelType = type,
            Dimensions = dimensions,
            Norm = NormKind.RmsNorm,
            NormEpsilon = LlamaConfigReader.ReadEpsilon(json),
            NormWeightPlusOne = true,
            Layers = layers,
            QkvBias = attentionBias,
            OutputBias = attentionBias,
            QkNorm = gemma3,
            AttentionSoftcap = attentionSoftcap,
            GatedMlp = true,
            // Gemma's config classes read hidden_activation; the hidden_act some files also carry is ignored.
            Activation = LlamaConfigReader.ReadActivation(json, "hidden_activation", "gelu_pytorch_tanh"),
            PostSublayerNorms = true,
            EmbeddingMultiplier = Math.Sqrt(dimensions.DModel),
            FinalLogitSoftcap = finalSoftcap,
            TiedEmbeddings = json.GetBool("tie_word_embeddings", true),
            InitializerRange = json.GetDouble("initializer_range", 0.02),
        };
        return new ModelConfig(layout, DefaultBos, DefaultEos, tokens => Write(layout, new Settings(queryPreAttnScalar, window, sliding, global, localBase), tokens));
    }

    /// <summary>
    /// The text model's config inside a multimodal Gemma 3 config.json: Gemma3Config builds a Gemma3TextConfig from
    /// <c>text_config</c>, so absent keys take the gemma3_text defaults.
    /// </summary>
    private static ConfigJson TextConfig(ConfigJson json)
    {
        if (json.GetObject("text_config") is not { } text)
            throw new CheckpointException(json.Path, "model_type \"gemma3\" (Gemma3ForConditionalGeneration) has no \"text_config\" object");
        var node = JsonNode.Parse(text.GetRawText())!.AsObject();
        var innerType = node["model_type"];
        if (innerType is not null && innerType.ToString() != Gemma3)
            throw new CheckpointException(json.Path, $"text_config has model_type \"{innerType}\", not \"{Gemma3}\"");
        node["model_type"] = Gemma3;
        return ConfigJson.Parse(node.ToJsonString(), json.Path + " (text_config)");
    }

    /// <summary>A soft-cap: the family default when absent, none when null, else a positive number.</summary>
    private static double? Softcap(ConfigJson json, string key, double? fallback)
    {
        if (!json.HasKey(key)) return fallback;
        if (!json.Has(key)) return null;
        var cap = json.GetDouble(key, 0);
        return cap > 0 ? cap : throw new CheckpointException(json.Path, $"{key} is {cap}; it must be positive (or null for none)");
    }

    /// <summary>
    /// Which layers slide: <c>layer_types</c> when given; otherwise Gemma 2 alternates starting with a sliding layer
    /// (Gemma2Config: (i + 1) % 2) and Gemma 3 makes every sliding_window_pattern-th layer global (default 6).
    /// </summary>
    private static bool[] Sliding(ConfigJson json, string type, int layers)
    {
        if (LlamaConfigReader.LayerTypes(json, layers) is { } given) return given;
        var pattern = type == Gemma3 ? json.GetPositiveInt("sliding_window_pattern", 6) : 2;
        return Enumerable.Range(0, layers).Select(i => (i + 1) % pattern != 0).ToArray();
    }

    /// <summary>config.json as <c>save_pretrained</c> writes it for Gemma2ForCausalLM / Gemma3ForCausalLM.</summary>
    private static string Write(DecoderLayout layout, Settings settings, SpecialTokenIds tokens)
    {
        var architecture = layout.ModelType == Gemma3 ? "Gemma3ForCausalLM" : "Gemma2ForCausalLM";
        var json = LlamaConfigReader.CommonJson(layout, architecture, settings.Global);
        json["hidden_activation"] = layout.Activation;
        json["attention_bias"] = layout.QkvBias;
        json["query_pre_attn_scalar"] = settings.QueryPreAttnScalar;
        json["sliding_window"] = settings.Window;
        json["layer_types"] = LlamaConfigReader.LayerTypesJson(settings.Sliding);
        json["attn_logit_softcapping"] = layout.AttentionSoftcap;
        json["final_logit_softcapping"] = layout.FinalLogitSoftcap;
        if (layout.ModelType == Gemma3) json["rope_local_base_freq"] = settings.LocalBase;
        return LlamaConfigReader.Finish(json, tokens);
    }

    /// <summary>The config values a layout does not keep as written (it holds the scale, not the scalar; windows, not layer types).</summary>
    private sealed record Settings(double QueryPreAttnScalar, int? Window, bool[] Sliding, RotaryLayout Global, double LocalBase);
}
