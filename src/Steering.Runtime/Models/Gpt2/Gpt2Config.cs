using System;
using System.Linq;
using Steering.Checkpoints;
using Steering.Schema;

namespace Steering.Models.Gpt2;

/// <summary>
/// The settings of a GPT-2 family checkpoint (gpt2, gpt2-medium/large/xl, distilgpt2: <c>model_type</c> "gpt2"),
/// with Hugging Face's GPT2Config defaults for absent keys.
/// </summary>
public sealed record Gpt2Config
{
    /// <summary>The <c>model_type</c> this config reads.</summary>
    public const string ModelType = "gpt2";

    /// <summary>Vocabulary size.</summary>
    public int VocabSize { get; init; } = 50257;
    /// <summary>Context length (number of learned positions).</summary>
    public int NPositions { get; init; } = 1024;
    /// <summary>Residual stream width.</summary>
    public int NEmbd { get; init; } = 768;
    /// <summary>Number of blocks.</summary>
    public int NLayer { get; init; } = 12;
    /// <summary>Number of attention heads.</summary>
    public int NHead { get; init; } = 12;
    /// <summary>MLP hidden width (Hugging Face: n_inner, default 4 × n_embd).</summary>
    public int NInner { get; init; } = 3072;
    /// <summary>The MLP nonlinearity's Hugging Face name (gelu_new by default).</summary>
    public string ActivationFunction { get; init; } = "gelu_new";
    /// <summary>Layer norm epsilon.</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;
    /// <summary>Divide attention scores by √d_head.</summary>
    public bool ScaleAttnWeights { get; init; } = true;
    /// <summary>Also divide attention scores by (layer index + 1).</summary>
    public bool ScaleAttnByInverseLayerIdx { get; init; }
    /// <summary>The end-of-text token.</summary>
    public int EosTokenId { get; init; } = 50256;
    /// <summary>The beginning-of-text token.</summary>
    public int BosTokenId { get; init; } = 50256;
    /// <summary>The output projection is the token embedding (always so for GPT-2 checkpoints).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Width of one head.</summary>
    public int DHead => NEmbd / NHead;

    /// <summary>Reads and checks a GPT-2 config.</summary>
    /// <exception cref="CheckpointException">A value is missing, of the wrong type, inconsistent or unsupported.</exception>
    public static Gpt2Config Read(ConfigJson json)
    {
        if (json.ModelType != ModelType)
            throw new CheckpointException(json.Path, $"model_type is \"{json.ModelType}\", not \"{ModelType}\"");
        if (json.GetBool("add_cross_attention", false))
            throw new CheckpointException(json.Path, "add_cross_attention is true: encoder-decoder GPT-2 is not supported");
        var nEmbd = json.GetPositiveInt("n_embd", 768);
        var config = new Gpt2Config
        {
            VocabSize = json.GetPositiveInt("vocab_size", 50257),
            NPositions = json.GetPositiveInt("n_positions", json.GetOptionalInt("n_ctx") ?? 1024),
            NEmbd = nEmbd,
            NLayer = json.GetPositiveInt("n_layer", 12),
            NHead = json.GetPositiveInt("n_head", 12),
            NInner = json.GetPositiveInt("n_inner", 4 * nEmbd),
            ActivationFunction = json.GetString("activation_function", "gelu_new")!,
            LayerNormEpsilon = json.GetDouble("layer_norm_epsilon", 1e-5),
            ScaleAttnWeights = json.GetBool("scale_attn_weights", true),
            ScaleAttnByInverseLayerIdx = json.GetBool("scale_attn_by_inverse_layer_idx", false),
            EosTokenId = json.GetInt("eos_token_id", 50256),
            BosTokenId = json.GetInt("bos_token_id", 50256),
            TieWordEmbeddings = json.GetBool("tie_word_embeddings", true),
        };
        if (config.NEmbd % config.NHead != 0)
            throw new CheckpointException(json.Path, $"n_embd ({config.NEmbd}) is not a multiple of n_head ({config.NHead})");
        if (!(config.LayerNormEpsilon > 0))
            throw new CheckpointException(json.Path, $"layer_norm_epsilon is {config.LayerNormEpsilon}; it must be positive");
        if (!Activations.IsKnown(config.ActivationFunction))
            throw new CheckpointException(json.Path,
                $"activation_function \"{config.ActivationFunction}\" is not supported (supported: {string.Join(", ", Activations.Names)})");
        if (!config.TieWordEmbeddings)
            throw new CheckpointException(json.Path, "tie_word_embeddings is false: GPT-2 checkpoints with a separate lm_head are not supported");
        return config;
    }

    /// <summary>The number of parameters a model with this config has (tied embedding counted once).</summary>
    public long ParameterCount => ToLayout().ParameterCount;

    /// <summary>The sizes in the schema's vocabulary.</summary>
    public ModelDimensions Dimensions => new(NEmbd, NLayer, NHead, NHead, DHead, NInner, VocabSize, NPositions);

    /// <summary>
    /// The decoder this config describes: learned positions, LayerNorm, a plain MLP, biases everywhere, tied embeddings;
    /// attention scaled by 1/√d_head (when <see cref="ScaleAttnWeights"/>) and by 1/(layer + 1) (when
    /// <see cref="ScaleAttnByInverseLayerIdx"/>).
    /// </summary>
    public DecoderLayout ToLayout() => new()
    {
        ModelType = ModelType,
        Dimensions = Dimensions,
        Norm = NormKind.LayerNorm,
        NormEpsilon = LayerNormEpsilon,
        LearnedPositions = true,
        Layers = Enumerable.Range(0, NLayer).Select(layer => new AttentionLayerLayout(Scale(layer), null, null)).ToList(),
        QkvBias = true,
        OutputBias = true,
        Activation = ActivationFunction,
        MlpBias = true,
        TiedEmbeddings = true,
    };

    private double Scale(int layer)
    {
        var scale = ScaleAttnWeights ? 1.0 / Math.Sqrt(DHead) : 1.0;
        return ScaleAttnByInverseLayerIdx ? scale / (layer + 1) : scale;
    }

    /// <summary>The config as Hugging Face writes it for GPT2LMHeadModel.</summary>
    public string ToJson() => FormattableString.Invariant($$"""
        {
          "architectures": ["GPT2LMHeadModel"],
          "model_type": "gpt2",
          "vocab_size": {{VocabSize}},
          "n_positions": {{NPositions}},
          "n_ctx": {{NPositions}},
          "n_embd": {{NEmbd}},
          "n_layer": {{NLayer}},
          "n_head": {{NHead}},
          "n_inner": {{NInner}},
          "activation_function": "{{ActivationFunction}}",
          "layer_norm_epsilon": {{LayerNormEpsilon:R}},
          "scale_attn_weights": {{(ScaleAttnWeights ? "true" : "false")}},
          "scale_attn_by_inverse_layer_idx": {{(ScaleAttnByInverseLayerIdx ? "true" : "false")}},
          "bos_token_id": {{BosTokenId}},
          "eos_token_id": {{EosTokenId}},
          "tie_word_embeddings": true,
          "torch_dtype": "float32"
        }

        """);
}
