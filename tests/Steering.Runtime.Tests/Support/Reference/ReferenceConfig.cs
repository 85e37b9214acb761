using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace Steering.Tests.Support.Reference;

/// <summary>The architectures the reference implementation computes, one per Hugging Face <c>*ForCausalLM</c> class.</summary>
public enum ReferenceFamily
{
    /// <summary><c>GPT2LMHeadModel</c> (model_type gpt2).</summary>
    Gpt2,
    /// <summary><c>LlamaForCausalLM</c> (model_type llama).</summary>
    Llama,
    /// <summary><c>MistralForCausalLM</c> (model_type mistral).</summary>
    Mistral,
    /// <summary><c>Qwen2ForCausalLM</c> (model_type qwen2).</summary>
    Qwen2,
    /// <summary><c>Qwen3ForCausalLM</c> (model_type qwen3).</summary>
    Qwen3,
    /// <summary><c>Gemma2ForCausalLM</c> (model_type gemma2).</summary>
    Gemma2,
    /// <summary><c>Gemma3ForCausalLM</c> (model_type gemma3_text).</summary>
    Gemma3,
}

/// <summary>
/// A config.json resolved the way each family's Hugging Face config class resolves it: the same keys, the same defaults
/// for absent keys (read from configuration_*.py), and the derived values the modeling code computes (head_dim,
/// attention scale, which layers slide, rotary frequencies). Independent of the runtime's config readers on purpose.
/// </summary>
public sealed record ReferenceConfig
{
    public required ReferenceFamily Family { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    /// <summary>RMSNorm epsilon (LayerNorm epsilon for GPT-2).</summary>
    public required double NormEps { get; init; }
    /// <summary>The MLP nonlinearity's Hugging Face name.</summary>
    public required string Activation { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    /// <summary>q_proj, k_proj and v_proj carry biases.</summary>
    public bool QkvBias { get; init; }
    /// <summary>o_proj carries a bias.</summary>
    public bool OutputBias { get; init; }
    /// <summary>gate_proj, up_proj and down_proj carry biases (Llama's mlp_bias).</summary>
    public bool MlpBias { get; init; }
    /// <summary>Per-head RMSNorm on queries and keys before rotary (Qwen3, Gemma 3).</summary>
    public bool QkNorm { get; init; }
    /// <summary>Gemma's conventions: RMSNorm scales by (1 + w), embeddings × √hidden_size, post-attention and post-feedforward norms.</summary>
    public bool GemmaStyle { get; init; }
    /// <summary>What attention scores are multiplied by.</summary>
    public required double AttentionScale { get; init; }
    public double? AttnLogitSoftcap { get; init; }
    public double? FinalLogitSoftcap { get; init; }
    /// <summary>Window of the sliding layers: a query at i sees keys j with i − window &lt; j ≤ i.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Per layer: whether it uses the sliding window.</summary>
    public required bool[] SlidingLayers { get; init; }
    /// <summary>Rotary inverse frequencies of full-attention layers (empty for GPT-2).</summary>
    public required double[] GlobalInvFreq { get; init; }
    /// <summary>Rotary inverse frequencies of sliding layers (Gemma 3's own base; otherwise the global ones).</summary>
    public required double[] LocalInvFreq { get; init; }
    /// <summary>Learned positions (GPT-2 only).</summary>
    public int MaxPositions { get; init; }
    /// <summary>GPT-2's scale_attn_by_inverse_layer_idx.</summary>
    public bool ScaleAttnByInverseLayerIdx { get; init; }

    /// <summary>Reads <c>config.json</c> from a model folder.</summary>
    public static ReferenceConfig ReadFolder(string folder) =>
        Parse(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!.AsObject());

    /// <summary>Resolves a parsed config.json.</summary>
    /// <exception cref="NotSupportedException">A model_type or setting the reference does not implement.</exception>
    public static ReferenceConfig Parse(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var modelType = Str(json, "model_type", null) ?? throw new NotSupportedException("config.json has no model_type");
        return modelType switch
        {
            "gpt2" => Gpt2(json),
            "llama" => Decoder(json, ReferenceFamily.Llama),
            "mistral" => Decoder(json, ReferenceFamily.Mistral),
            "qwen2" => Decoder(json, ReferenceFamily.Qwen2),
            "qwen3" => Decoder(json, ReferenceFamily.Qwen3),
            "gemma2" => Decoder(json, ReferenceFamily.Gemma2),
            "gemma3_text" => Decoder(json, ReferenceFamily.Gemma3),
            _ => throw new NotSupportedException($"model_type '{modelType}' is not implemented by the reference"),
        };
    }

    private static ReferenceConfig Gpt2(JsonObject json)
    {
        // GPT2Config defaults.
        var hidden = Int(json, "n_embd", 768);
        var heads = Int(json, "n_head", 12);
        var layers = Int(json, "n_layer", 12);
        return new ReferenceConfig
        {
            Family = ReferenceFamily.Gpt2,
            VocabSize = Int(json, "vocab_size", 50257),
            HiddenSize = hidden,
            IntermediateSize = Int(json, "n_inner", 4 * hidden),
            Layers = layers,
            Heads = heads,
            KvHeads = heads,
            HeadDim = hidden / heads,
            NormEps = Num(json, "layer_norm_epsilon", 1e-5),
            Activation = Str(json, "activation_function", "gelu_new")!,
            TieWordEmbeddings = true,
            QkvBias = true,
            OutputBias = true,
            MlpBias = true,
            AttentionScale = Bool(json, "scale_attn_weights", true) ? 1.0 / Math.Sqrt(hidden / heads) : 1.0,
            ScaleAttnByInverseLayerIdx = Bool(json, "scale_attn_by_inverse_layer_idx", false),
            SlidingLayers = new bool[layers],
            GlobalInvFreq = [],
            LocalInvFreq = [],
            MaxPositions = Int(json, "n_positions", 1024),
        };
    }

    private static ReferenceConfig Decoder(JsonObject json, ReferenceFamily family)
    {
        var defaults = FamilyDefaults.For(family);
        var hidden = Int(json, "hidden_size", defaults.HiddenSize);
        var heads = Int(json, "num_attention_heads", defaults.Heads);
        var layers = Int(json, "num_hidden_layers", defaults.Layers);
        // Llama, Mistral and Qwen2 default head_dim to hidden_size / heads; Qwen3 and Gemma have a fixed default.
        var headDim = OptInt(json, "head_dim") ?? defaults.HeadDim ?? hidden / heads;
        var gemma = family is ReferenceFamily.Gemma2 or ReferenceFamily.Gemma3;
        var attentionBias = Bool(json, "attention_bias", false);

        var slidingWindow = SlidingWindowOf(json, family);
        var slidingLayers = SlidingLayersOf(json, family, layers, slidingWindow);
        var (globalInvFreq, localInvFreq) = RotaryOf(json, family, headDim);

        return new ReferenceConfig
        {
            Family = family,
            VocabSize = Int(json, "vocab_size", defaults.VocabSize),
            HiddenSize = hidden,
            IntermediateSize = Int(json, "intermediate_size", defaults.IntermediateSize),
            Layers = layers,
            Heads = heads,
            // Qwen2's config class defaults num_key_value_heads to 32; every class maps an explicit null to the head count.
            KvHeads = OptInt(json, "num_key_value_heads") ?? (json.ContainsKey("num_key_value_heads") ? heads : defaults.KvHeads ?? heads),
            HeadDim = headDim,
            NormEps = Num(json, "rms_norm_eps", 1e-6),
            Activation = Str(json, gemma ? "hidden_activation" : "hidden_act", defaults.Activation)!,
            TieWordEmbeddings = Bool(json, "tie_word_embeddings", gemma),
            // Qwen2 hard-codes q/k/v biases and no o_proj bias; Mistral has no biases; Llama, Qwen3 and Gemma follow attention_bias.
            QkvBias = family switch
            {
                ReferenceFamily.Qwen2 => true,
                ReferenceFamily.Mistral => false,
                _ => attentionBias,
            },
            OutputBias = family is not (ReferenceFamily.Qwen2 or ReferenceFamily.Mistral) && attentionBias,
            MlpBias = family == ReferenceFamily.Llama && Bool(json, "mlp_bias", false),
            QkNorm = family is ReferenceFamily.Qwen3 or ReferenceFamily.Gemma3,
            GemmaStyle = gemma,
            AttentionScale = gemma ? Math.Pow(Num(json, "query_pre_attn_scalar", 256), -0.5) : 1.0 / Math.Sqrt(headDim),
            AttnLogitSoftcap = gemma ? OptNum(json, "attn_logit_softcapping", family == ReferenceFamily.Gemma2 ? 50.0 : null) : null,
            FinalLogitSoftcap = gemma ? OptNum(json, "final_logit_softcapping", family == ReferenceFamily.Gemma2 ? 30.0 : null) : null,
            SlidingWindow = slidingWindow,
            SlidingLayers = slidingLayers,
            GlobalInvFreq = globalInvFreq,
            LocalInvFreq = localInvFreq,
        };
    }

    /// <summary>The window size, or null when no layer slides (Qwen's use_sliding_window gates it).</summary>
    private static int? SlidingWindowOf(JsonObject json, ReferenceFamily family) => family switch
    {
        ReferenceFamily.Llama => null,
        ReferenceFamily.Mistral => OptInt(json, "sliding_window", 4096),
        ReferenceFamily.Qwen2 or ReferenceFamily.Qwen3 =>
            Bool(json, "use_sliding_window", false) ? OptInt(json, "sliding_window", 4096) : null,
        _ => OptInt(json, "sliding_window", 4096),
    };

    private static bool[] SlidingLayersOf(JsonObject json, ReferenceFamily family, int layers, int? window)
    {
        if (window is null) return new bool[layers];
        if (family == ReferenceFamily.Mistral) return Enumerable.Repeat(true, layers).ToArray();
        if (json["layer_types"] is JsonArray types)
        {
            if (types.Count != layers) throw new NotSupportedException($"layer_types has {types.Count} entries for {layers} layers");
            return types.Select(t => t!.GetValue<string>() switch
            {
                "sliding_attention" => true,
                "full_attention" => false,
                var other => throw new NotSupportedException($"layer type '{other}'"),
            }).ToArray();
        }
        return family switch
        {
            // configuration_qwen2/3.py: layers from max_window_layers on slide.
            ReferenceFamily.Qwen2 or ReferenceFamily.Qwen3 =>
                Enumerable.Range(0, layers).Select(i => i >= Int(json, "max_window_layers", 28)).ToArray(),
            // Gemma 2 alternates, starting with a sliding layer.
            ReferenceFamily.Gemma2 => Enumerable.Range(0, layers).Select(i => (i + 1) % 2 != 0).ToArray(),
            // Gemma 3: every sliding_window_pattern-th layer is global.
            _ => Enumerable.Range(0, layers).Select(i => (i + 1) % Int(json, "sliding_window_pattern", 6) != 0).ToArray(),
        };
    }

    /// <summary>
    /// Rotary settings: transformers 4.x writes rope_theta and rope_scaling (Gemma 3 adds rope_local_base_freq);
    /// 5.x writes rope_parameters (per layer type for Gemma 3).
    /// </summary>
    private static (double[] Global, double[] Local) RotaryOf(JsonObject json, ReferenceFamily family, int headDim)
    {
        if (json["partial_rotary_factor"] is JsonNode partial && Number(partial) != 1.0)
            throw new NotSupportedException("partial_rotary_factor other than 1");
        var defaultTheta = family switch
        {
            ReferenceFamily.Gemma3 => 1_000_000.0,
            _ => 10_000.0,
        };
        if (json["rope_parameters"] is JsonObject parameters)
        {
            if (parameters["full_attention"] is JsonObject full)
            {
                var local = parameters["sliding_attention"] as JsonObject ?? full;
                return (RotaryFrequencies.InvFreq(full, Num(full, "rope_theta", defaultTheta), headDim),
                    RotaryFrequencies.InvFreq(local, Num(local, "rope_theta", 10_000.0), headDim));
            }
            var inv = RotaryFrequencies.InvFreq(parameters, Num(parameters, "rope_theta", defaultTheta), headDim);
            return (inv, inv);
        }
        var theta = Num(json, "rope_theta", defaultTheta);
        var global = RotaryFrequencies.InvFreq(json["rope_scaling"] as JsonObject, theta, headDim);
        // Gemma 3's local layers use their own base and never the scaling (modeling_gemma3.py: rope_type "default").
        var localFreq = family == ReferenceFamily.Gemma3
            ? RotaryFrequencies.InvFreq(null, Num(json, "rope_local_base_freq", 10_000.0), headDim)
            : global;
        return (global, localFreq);
    }

    internal static int Int(JsonObject json, string key, int fallback) => OptInt(json, key) ?? fallback;

    internal static int? OptInt(JsonObject json, string key, int? fallback = null) =>
        !json.TryGetPropertyValue(key, out var node) ? fallback : node is null ? null : checked((int)Number(node));

    internal static double Num(JsonObject json, string key, double fallback) => OptNum(json, key, fallback) ?? fallback;

    internal static double? OptNum(JsonObject json, string key, double? fallback) =>
        !json.TryGetPropertyValue(key, out var node) ? fallback : node is null ? null : Number(node);

    /// <summary>A JSON number, whether parsed from text or built in code (JsonValue&lt;int&gt; does not convert to double).</summary>
    internal static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static bool Bool(JsonObject json, string key, bool fallback) =>
        json[key] is JsonNode node ? node.GetValue<bool>() : fallback;

    internal static string? Str(JsonObject json, string key, string? fallback) =>
        json[key] is JsonNode node ? node.GetValue<string>() : fallback;

    /// <summary>Defaults of each family's config class, for keys a config.json leaves out.</summary>
    private sealed record FamilyDefaults(int VocabSize, int HiddenSize, int IntermediateSize, int Layers, int Heads,
        int? KvHeads, int? HeadDim, string Activation)
    {
        public static FamilyDefaults For(ReferenceFamily family) => family switch
        {
            ReferenceFamily.Llama => new(32000, 4096, 11008, 32, 32, null, null, "silu"),
            ReferenceFamily.Mistral => new(32000, 4096, 14336, 32, 32, 8, null, "silu"),
            ReferenceFamily.Qwen2 => new(151936, 4096, 22016, 32, 32, 32, null, "silu"),
            ReferenceFamily.Qwen3 => new(151936, 4096, 22016, 32, 32, 32, 128, "silu"),
            ReferenceFamily.Gemma2 => new(256000, 2304, 9216, 26, 8, 4, 256, "gelu_pytorch_tanh"),
            ReferenceFamily.Gemma3 => new(262208, 2304, 9216, 26, 8, 4, 256, "gelu_pytorch_tanh"),
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "not a decoder family"),
        };
    }
}
