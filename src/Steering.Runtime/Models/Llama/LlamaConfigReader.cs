using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using Steering.Checkpoints;
using Steering.Schema;

namespace Steering.Models.Llama;

/// <summary>
/// config.json of <c>llama</c>, <c>mistral</c>, <c>qwen2</c> and <c>qwen3</c> → <see cref="DecoderLayout"/>, with the
/// defaults of Hugging Face's LlamaConfig, MistralConfig, Qwen2Config and Qwen3Config for absent keys, and back.
/// </summary>
internal static class LlamaConfigReader
{
    public const string Llama = "llama";
    public const string Mistral = "mistral";
    public const string Qwen2 = "qwen2";
    public const string Qwen3 = "qwen3";

    public static IReadOnlyList<string> ModelTypes { get; } = new[] { Llama, Mistral, Qwen2, Qwen3 };

    /// <summary>The config-class defaults that differ between the four.</summary>
    private sealed record Defaults(int Vocab, int Hidden, int Intermediate, int Positions, int? KvHeads, int? HeadDim, int? Bos, int? Eos, string Architecture);

    private static Defaults DefaultsOf(string modelType) => modelType switch
    {
        Llama => new(32000, 4096, 11008, 2048, null, null, 1, 2, "LlamaForCausalLM"),
        Mistral => new(32000, 4096, 14336, 4096 * 32, 8, null, 1, 2, "MistralForCausalLM"),
        Qwen2 => new(151936, 4096, 22016, 32768, 32, null, null, null, "Qwen2ForCausalLM"),
        _ => new(151936, 4096, 22016, 32768, 32, 128, null, null, "Qwen3ForCausalLM"),
    };

    /// <exception cref="CheckpointException">A value is malformed, inconsistent or unsupported; the message names the key.</exception>
    public static ModelConfig Read(ConfigJson json)
    {
        var type = json.ModelType;
        var defaults = DefaultsOf(type);
        var dimensions = ReadDimensions(json, new SizeDefaults(defaults.Vocab, defaults.Hidden, defaults.Intermediate, 32, 32,
            defaults.KvHeads, defaults.HeadDim, defaults.Positions));
        var (layers, dHead) = (dimensions.NLayers, dimensions.DHead);
        var activation = ReadActivation(json, "hidden_act", "silu");
        var epsilon = ReadEpsilon(json);

        var rotary = ReadRotary(json);
        var windows = SlidingWindows(json, type, layers);
        var scale = 1.0 / Math.Sqrt(dHead);
        var attentionBias = type is Llama or Qwen3 && json.GetBool("attention_bias", false);
        var layout = new DecoderLayout
        {
            ModelType = type,
            Dimensions = dimensions,
            Norm = NormKind.RmsNorm,
            NormEpsilon = epsilon,
            Layers = windows.Select(window => new AttentionLayerLayout(scale, window, rotary)).ToList(),
            QkvBias = type == Qwen2 || attentionBias,
            OutputBias = attentionBias,
            QkNorm = type == Qwen3,
            GatedMlp = true,
            Activation = activation,
            MlpBias = type == Llama && json.GetBool("mlp_bias", false),
            TiedEmbeddings = json.GetBool("tie_word_embeddings", false),
            InitializerRange = json.GetDouble("initializer_range", 0.02),
        };
        return new ModelConfig(layout, defaults.Bos, defaults.Eos, tokens => Write(layout, defaults.Architecture, tokens));
    }

    /// <summary>A config class's size defaults: <paramref name="KvHeads"/> null means as many as the query heads, <paramref name="HeadDim"/> null hidden_size / heads.</summary>
    internal sealed record SizeDefaults(int Vocab, int Hidden, int Intermediate, int Layers, int Heads, int? KvHeads, int? HeadDim, int Positions);

    /// <summary>The sizes, checked: heads that group, a positive even head width (rotary needs one).</summary>
    internal static ModelDimensions ReadDimensions(ConfigJson json, SizeDefaults defaults)
    {
        var hidden = json.GetPositiveInt("hidden_size", defaults.Hidden);
        var layers = json.GetPositiveInt("num_hidden_layers", defaults.Layers);
        var heads = json.GetPositiveInt("num_attention_heads", defaults.Heads);
        var kvHeads = json.GetPositiveInt("num_key_value_heads", defaults.KvHeads ?? heads);
        if (heads % kvHeads != 0)
            throw new CheckpointException(json.Path, $"num_attention_heads ({heads}) is not a multiple of num_key_value_heads ({kvHeads})");
        var headDim = json.GetOptionalInt("head_dim") ?? defaults.HeadDim;
        if (headDim is null && hidden % heads != 0)
            throw new CheckpointException(json.Path, $"hidden_size ({hidden}) is not a multiple of num_attention_heads ({heads}) and there is no head_dim");
        var dHead = headDim ?? hidden / heads;
        if (dHead <= 0 || dHead % 2 != 0)
            throw new CheckpointException(json.Path, $"head_dim is {dHead}; rotary embeddings need a positive even head width");
        return new ModelDimensions(hidden, layers, heads, kvHeads, dHead,
            json.GetPositiveInt("intermediate_size", defaults.Intermediate), json.GetPositiveInt("vocab_size", defaults.Vocab),
            json.GetPositiveInt("max_position_embeddings", defaults.Positions));
    }

    /// <summary>The MLP activation under <paramref name="key"/>, refused by name when unsupported.</summary>
    internal static string ReadActivation(ConfigJson json, string key, string fallback)
    {
        var activation = json.GetString(key, fallback)!;
        return Activations.IsKnown(activation) ? activation
            : throw new CheckpointException(json.Path, $"{key} \"{activation}\" is not supported (supported: {string.Join(", ", Activations.Names)})");
    }

    /// <summary><c>rms_norm_eps</c> (default 1e-6, as every one of these config classes has), which must be positive.</summary>
    internal static double ReadEpsilon(ConfigJson json)
    {
        var epsilon = json.GetDouble("rms_norm_eps", 1e-6);
        return epsilon > 0 ? epsilon : throw new CheckpointException(json.Path, $"rms_norm_eps is {epsilon}; it must be positive");
    }

    /// <summary>
    /// <c>rope_theta</c> (<paramref name="defaultTheta"/> when absent) and <c>rope_scaling</c> (or transformers 5's
    /// <c>rope_parameters</c>, which holds both): default, <c>linear</c> and <c>llama3</c>; other rope types are refused by name.
    /// </summary>
    internal static RotaryLayout ReadRotary(ConfigJson json, double defaultTheta = 10000.0)
    {
        var parameters = json.GetObject("rope_parameters");
        var scaling = json.GetObject("rope_scaling") ?? parameters;
        var theta = parameters is { } p && p.TryGetProperty("rope_theta", out var pTheta) && pTheta.ValueKind == JsonValueKind.Number
            ? pTheta.GetDouble() : json.GetDouble("rope_theta", defaultTheta);
        if (!(theta > 0))
            throw new CheckpointException(json.Path, $"rope_theta is {theta}; it must be positive");
        if (scaling is not { } s) return new RotaryLayout(theta, null);

        var key = s.TryGetProperty("rope_type", out _) ? "rope_type" : "type";
        var type = s.TryGetProperty(key, out var typeValue) && typeValue.ValueKind == JsonValueKind.String ? typeValue.GetString()! : "default";
        double Number(string name, double? fallback)
        {
            if (s.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number) return value.GetDouble();
            return fallback ?? throw new CheckpointException(json.Path, $"rope_scaling of type \"{type}\" has no \"{name}\"");
        }
        return type switch
        {
            "default" => new RotaryLayout(theta, null),
            RopeScaling.Linear => new RotaryLayout(theta, new RopeScaling(RopeScaling.Linear, Positive(json, "factor", Number("factor", null)))),
            RopeScaling.Llama3 => new RotaryLayout(theta, new RopeScaling(RopeScaling.Llama3,
                Positive(json, "factor", Number("factor", null)), Number("low_freq_factor", null), Number("high_freq_factor", null),
                (int)Positive(json, "original_max_position_embeddings", Number("original_max_position_embeddings", null)))),
            _ => throw new CheckpointException(json.Path,
                $"rope_scaling type \"{type}\" is not supported (supported: default, {RopeScaling.Linear}, {RopeScaling.Llama3})"),
        };
    }

    private static double Positive(ConfigJson json, string key, double value) =>
        value > 0 ? value : throw new CheckpointException(json.Path, $"rope_scaling \"{key}\" is {value}; it must be positive");

    /// <summary>
    /// Each layer's sliding window: Mistral's <c>sliding_window</c> (MistralConfig default 4096; null for none) on every
    /// layer; Qwen2/Qwen3 only with <c>use_sliding_window</c>, on the layers <c>layer_types</c> marks
    /// <c>sliding_attention</c>, or else on layers from <c>max_window_layers</c> on; Llama never.
    /// </summary>
    private static int?[] SlidingWindows(ConfigJson json, string type, int layers)
    {
        switch (type)
        {
            case Mistral:
                var window = json.Has("sliding_window") ? json.GetPositiveInt("sliding_window") : (int?)(json.HasKey("sliding_window") ? null : 4096);
                return Enumerable.Repeat(window, layers).ToArray();
            case Qwen2 or Qwen3 when json.GetBool("use_sliding_window", false):
                var size = json.GetPositiveInt("sliding_window", 4096);
                if (LayerTypes(json, layers) is { } sliding)
                    return sliding.Select(slides => slides ? (int?)size : null).ToArray();
                var firstWindowed = json.GetInt("max_window_layers", 28);
                return Enumerable.Range(0, layers).Select(layer => layer >= firstWindowed ? (int?)size : null).ToArray();
            default:
                return new int?[layers];
        }
    }

    /// <summary><c>layer_types</c> as one flag per layer, true for <c>sliding_attention</c>; null when the key is absent.</summary>
    internal static bool[]? LayerTypes(ConfigJson json, int layers)
    {
        var types = json.GetStringList("layer_types");
        if (types is null) return null;
        if (types.Count != layers)
            throw new CheckpointException(json.Path, $"layer_types lists {types.Count} layers; num_hidden_layers is {layers}");
        return types.Select(t => t switch
        {
            "sliding_attention" => true,
            "full_attention" => false,
            _ => throw new CheckpointException(json.Path, $"layer_types has \"{t}\" (supported: full_attention, sliding_attention)"),
        }).ToArray();
    }

    /// <summary>layer_types as config.json holds it.</summary>
    internal static JsonArray LayerTypesJson(IEnumerable<bool> sliding) =>
        new(sliding.Select(slides => (JsonNode)(slides ? "sliding_attention" : "full_attention")).ToArray());

    /// <summary>config.json as <c>save_pretrained</c> writes it for the family's …ForCausalLM.</summary>
    private static string Write(DecoderLayout layout, string architecture, SpecialTokenIds tokens)
    {
        var json = CommonJson(layout, architecture, layout.Layers[0].Rotary!);
        json["hidden_act"] = layout.Activation;
        var windows = layout.Layers.Select(l => l.SlidingWindow).ToList();
        switch (layout.ModelType)
        {
            case Llama:
                json["attention_bias"] = layout.QkvBias;
                json["mlp_bias"] = layout.MlpBias;
                break;
            case Mistral:
                json["sliding_window"] = windows[0];
                break;
            default:
                if (layout.ModelType == Qwen3) json["attention_bias"] = layout.QkvBias;
                var windowed = windows.Any(w => w is not null);
                json["use_sliding_window"] = windowed;
                json["sliding_window"] = windows.FirstOrDefault(w => w is not null) ?? 4096;
                json["max_window_layers"] = windowed ? windows.FindIndex(w => w is not null) : layout.Dimensions.NLayers;
                if (windowed)
                    json["layer_types"] = LayerTypesJson(windows.Select(w => w is not null));
                break;
        }
        return Finish(json, tokens);
    }

    /// <summary>
    /// The config.json keys the Llama-shaped families and Gemma share: architecture, model_type, sizes, initializer
    /// range, RMSNorm epsilon, the (global) rotary embedding and tying.
    /// </summary>
    internal static JsonObject CommonJson(DecoderLayout layout, string architecture, RotaryLayout rotary)
    {
        var d = layout.Dimensions;
        return new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = layout.ModelType,
            ["vocab_size"] = d.DVocab,
            ["hidden_size"] = d.DModel,
            ["intermediate_size"] = d.DMlp,
            ["num_hidden_layers"] = d.NLayers,
            ["num_attention_heads"] = d.NHeads,
            ["num_key_value_heads"] = d.NKvHeads,
            ["head_dim"] = d.DHead,
            ["max_position_embeddings"] = d.NCtx,
            ["initializer_range"] = layout.InitializerRange,
            ["rms_norm_eps"] = layout.NormEpsilon,
            ["rope_theta"] = rotary.Theta,
            ["rope_scaling"] = rotary.Scaling is { } s ? Scaling(s) : null,
            ["tie_word_embeddings"] = layout.TiedEmbeddings,
        };
    }

    /// <summary>Adds the special tokens and the stored dtype to a family's config.json object and writes it out.</summary>
    internal static string Finish(JsonObject json, SpecialTokenIds tokens)
    {
        json["bos_token_id"] = tokens.Bos;
        json["eos_token_id"] = tokens.Eos.Count switch
        {
            0 => null,
            1 => tokens.Eos[0],
            _ => new JsonArray(tokens.Eos.Select(e => (JsonNode)e).ToArray()),
        };
        if (tokens.Pad is not null) json["pad_token_id"] = tokens.Pad;
        json["torch_dtype"] = "float32";
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>A rope_scaling object as config.json holds it.</summary>
    internal static JsonObject Scaling(RopeScaling scaling) => scaling.Type == RopeScaling.Linear
        ? new JsonObject { ["rope_type"] = scaling.Type, ["factor"] = scaling.Factor }
        : new JsonObject
        {
            ["rope_type"] = scaling.Type,
            ["factor"] = scaling.Factor,
            ["low_freq_factor"] = scaling.LowFreqFactor,
            ["high_freq_factor"] = scaling.HighFreqFactor,
            ["original_max_position_embeddings"] = scaling.OriginalMaxPositions,
        };
}
