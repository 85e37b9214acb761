using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Schema;

namespace Steering.Models;

/// <summary>
/// The shape of a decoder-only transformer, everything that decides its parameters and its forward pass: the one
/// description a family's config reader produces, from which the network is built, the hook catalog is derived
/// (<see cref="HookLayout"/>), the parameter count is checked before any allocation and config.json is written back.
/// </summary>
public sealed record DecoderLayout
{
    /// <summary>The Hugging Face <c>model_type</c> (<c>gpt2</c>, <c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>qwen3</c>, …).</summary>
    public required string ModelType { get; init; }

    /// <summary>The sizes (query and key/value heads and the head width explicit).</summary>
    public required ModelDimensions Dimensions { get; init; }

    /// <summary>The kind of every norm (per block, the q/k norms and the final norm).</summary>
    public NormKind Norm { get; init; } = NormKind.RmsNorm;

    /// <summary>The norms' epsilon.</summary>
    public double NormEpsilon { get; init; } = 1e-6;

    /// <summary>RMSNorm scales by (1 + weight) and stores weights around 0 (Gemma); otherwise by weight, stored around 1.</summary>
    public bool NormWeightPlusOne { get; init; }

    /// <summary>Learned absolute position embeddings added to the token embeddings (GPT-2); false for rotary models.</summary>
    public bool LearnedPositions { get; init; }

    /// <summary>Attention settings per block (scale, sliding window, rotary embedding); one entry per layer.</summary>
    public required IReadOnlyList<AttentionLayerLayout> Layers { get; init; }

    /// <summary>Biases on the query, key and value projections.</summary>
    public bool QkvBias { get; init; }

    /// <summary>A bias on the attention's output projection.</summary>
    public bool OutputBias { get; init; }

    /// <summary>Per-head norms of queries and keys over d_head, before the rotary embedding (Qwen3, Gemma 3).</summary>
    public bool QkNorm { get; init; }

    /// <summary>Attention scores are soft-capped, cap·tanh(scores/cap), before masking (Gemma 2); null for none.</summary>
    public double? AttentionSoftcap { get; init; }

    /// <summary>A gated MLP, down(act(gate(x)) · up(x)); otherwise down(act(up(x))).</summary>
    public bool GatedMlp { get; init; }

    /// <summary>The MLP nonlinearity's Hugging Face name (<c>silu</c>, <c>gelu_new</c>, <c>gelu_pytorch_tanh</c>, …).</summary>
    public required string Activation { get; init; }

    /// <summary>Biases on the MLP's projections.</summary>
    public bool MlpBias { get; init; }

    /// <summary>Norms on the attention and MLP outputs before they are added to the residual stream (Gemma 2/3).</summary>
    public bool PostSublayerNorms { get; init; }

    /// <summary>The token embeddings are multiplied by this (Gemma: √d_model, rounded to the compute dtype); null for none.</summary>
    public double? EmbeddingMultiplier { get; init; }

    /// <summary>The final logits are soft-capped, cap·tanh(logits/cap) (Gemma 2); null for none.</summary>
    public double? FinalLogitSoftcap { get; init; }

    /// <summary>The output projection is the token embedding (no separate <c>lm_head.weight</c>).</summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>The standard deviation of Hugging Face's weight initialization (<c>initializer_range</c>).</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Whether any block uses a rotary embedding.</summary>
    public bool Rotary => Layers.Any(layer => layer.Rotary is not null);

    /// <summary>Which optional hook points this decoder has: the catalog is derived from the same description as the network.</summary>
    public DecoderHookLayout HookLayout => new(LearnedPositions, Rotary, GatedMlp, PostSublayerNorms);

    /// <summary>The hook points and sizes of a model with this layout.</summary>
    public ModelSchema ToSchema(string name) =>
        new(ModelSchema.CurrentFormat, name, ModelType, Dimensions, HookCatalog.ForDecoder(Dimensions, HookLayout));

    /// <summary>
    /// The number of parameters a model with this layout has (a tied embedding counted once), computed from the sizes
    /// alone so a config can be checked against its checkpoint before anything is allocated.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            var d = Dimensions;
            long width = d.DModel, mlp = d.DMlp, queries = (long)d.NHeads * d.DHead, keys = (long)d.NKvHeads * d.DHead;
            var norm = Norm == NormKind.LayerNorm ? 2 * width : width;
            var attention = (width * queries) + (2 * width * keys) + (queries * width)
                + (QkvBias ? queries + (2 * keys) : 0) + (OutputBias ? width : 0) + (QkNorm ? 2L * d.DHead : 0);
            var projections = GatedMlp ? 3 : 2;
            var feedForward = (projections * width * mlp) + (MlpBias ? ((projections - 1) * mlp) + width : 0);
            var block = ((PostSublayerNorms ? 4 : 2) * norm) + attention + feedForward;
            var embeddings = (long)d.DVocab * width * (TiedEmbeddings ? 1 : 2) + (LearnedPositions ? (long)d.NCtx * width : 0);
            return embeddings + (d.NLayers * block) + norm;
        }
    }

    /// <summary>Checks the description is one the network can be built from.</summary>
    /// <exception cref="ArgumentException">Layers missing or heads that do not group.</exception>
    public void Validate()
    {
        if (Layers.Count != Dimensions.NLayers)
            throw new ArgumentException($"the layout lists {Layers.Count} attention layers for {Dimensions.NLayers} blocks");
        if (Dimensions.NHeads % Dimensions.NKvHeads != 0)
            throw new ArgumentException($"{Dimensions.NHeads} query heads do not group over {Dimensions.NKvHeads} key/value heads");
        if (!Activations.IsKnown(Activation))
            throw new ArgumentException($"activation \"{Activation}\" is not supported (supported: {string.Join(", ", Activations.Names)})");
    }
}

/// <summary>The norm a decoder uses.</summary>
public enum NormKind
{
    /// <summary>LayerNorm with weight and bias (GPT-2).</summary>
    LayerNorm,

    /// <summary>RMSNorm with a weight, computed in float32 (Llama and later).</summary>
    RmsNorm,
}

/// <summary>One block's attention settings.</summary>
/// <param name="Scale">The factor on q·k (1/√d_head in most models; GPT-2's inverse-layer option, Gemma's query_pre_attn_scalar).</param>
/// <param name="SlidingWindow">Keys at most this many positions back, the query's own included, are attended; null for all.</param>
/// <param name="Rotary">The rotary embedding of this block's queries and keys; null without (learned positions).</param>
public sealed record AttentionLayerLayout(double Scale, int? SlidingWindow, RotaryLayout? Rotary);

/// <summary>A rotary position embedding over the whole head.</summary>
/// <param name="Theta">The base (<c>rope_theta</c>).</param>
/// <param name="Scaling">Frequency scaling (<c>rope_scaling</c>), or null.</param>
public sealed record RotaryLayout(double Theta, RopeScaling? Scaling);

/// <summary>
/// Hugging Face's <c>rope_scaling</c>: <c>linear</c> divides every frequency by <paramref name="Factor"/>; <c>llama3</c>
/// divides low frequencies by it and interpolates the middle band (Llama 3.1/3.2).
/// </summary>
/// <param name="Type">The <c>rope_type</c>: <see cref="Linear"/> or <see cref="Llama3"/>.</param>
/// <param name="Factor">The scaling factor.</param>
/// <param name="LowFreqFactor">llama3: <c>low_freq_factor</c>.</param>
/// <param name="HighFreqFactor">llama3: <c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositions">llama3: <c>original_max_position_embeddings</c>.</param>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, int OriginalMaxPositions = 8192)
{
    /// <summary>The <c>linear</c> rope type.</summary>
    public const string Linear = "linear";

    /// <summary>The <c>llama3</c> rope type.</summary>
    public const string Llama3 = "llama3";
}
