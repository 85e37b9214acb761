using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using static TorchSharp.torch;

namespace Steering.Tests.Support.Reference;

/// <summary>What one block contributed at each position (what it added to the residual stream), and its attention pattern.</summary>
/// <param name="AttnOut">[position][hidden]: the attention output added to the residual (after Gemma's post-attention norm).</param>
/// <param name="MlpOut">[position][hidden]: the MLP output added to the residual (after Gemma's post-feedforward norm).</param>
/// <param name="Pattern">[head][query][key]: attention probabilities.</param>
public sealed record ReferenceBlockTrace(double[][] AttnOut, double[][] MlpOut, double[][][] Pattern);

/// <summary>A forward pass of the reference implementation over one sequence.</summary>
/// <param name="Logits">[position][vocab], after Gemma 2's final soft-capping.</param>
/// <param name="Residuals">
/// [boundary][position][hidden], layers + 1 boundaries: [0] is block 0's input (embeddings, × √hidden for Gemma, plus
/// learned positions for GPT-2), [i + 1] is block i's output — TransformerLens's resid_pre / resid_post, and Hugging
/// Face's hidden_states except that the last entry here is before the final norm.
/// </param>
/// <param name="Blocks">Per block: its attention and MLP outputs and attention pattern.</param>
public sealed record ReferenceOutput(double[][] Logits, IReadOnlyList<double[][]> Residuals, IReadOnlyList<ReferenceBlockTrace> Blocks);

/// <summary>
/// An independent float64 implementation of Hugging Face transformers' forward pass for GPT2LMHeadModel,
/// LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Gemma2ForCausalLM and Gemma3ForCausalLM
/// (text), written from their modeling files with plain loops — the expected values of exactness tests.
/// </summary>
/// <remarks>
/// TorchSharp is used only to read checkpoint files; every computation is in <see cref="ReferenceMath"/> and here.
/// Gemma multiplies embeddings by √hidden_size rounded to the compute dtype, as transformers does; this reference
/// rounds it to float32, the dtype its results are compared at.
/// </remarks>
public sealed class ReferenceModel
{
    private readonly IReadOnlyDictionary<string, double[]> _weights;

    /// <summary>A model over tensors already in memory, by Hugging Face name (row-major values).</summary>
    /// <exception cref="InvalidDataException">A tensor the config needs is missing or has the wrong number of values.</exception>
    public ReferenceModel(ReferenceConfig config, IReadOnlyDictionary<string, double[]> weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var spec in ReferenceLayout.Tensors(config))
        {
            var expected = spec.Shape.Aggregate(1L, (a, b) => a * b);
            if (!weights.TryGetValue(spec.Name, out var values))
                throw new InvalidDataException($"reference: tensor '{spec.Name}' is missing");
            if (values.LongLength != expected)
                throw new InvalidDataException($"reference: tensor '{spec.Name}' has {values.LongLength} values, not {expected}");
        }
        Config = config;
        _weights = weights;
    }

    /// <summary>The resolved config.</summary>
    public ReferenceConfig Config { get; }

    /// <summary>Reads config.json and the safetensors weights (single file or shards, any float dtype) of a Hugging Face folder.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen.</exception>
    public static ReferenceModel Load(string folder)
    {
        var config = ReferenceConfig.ReadFolder(folder);
        var weights = new Dictionary<string, double[]>(StringComparer.Ordinal);
        using var checkpoint = CheckpointWeights.Open(folder);
        foreach (var spec in ReferenceLayout.Tensors(config))
        {
            // Hub GPT-2 checkpoints omit the "transformer." prefix; transformers accepts both.
            var stored = checkpoint.Contains(spec.Name) || !spec.Name.StartsWith("transformer.", StringComparison.Ordinal)
                ? spec.Name : spec.Name["transformer.".Length..];
            if (!checkpoint.Contains(stored)) throw new InvalidDataException($"reference: {folder} has no tensor '{spec.Name}'");
            var entry = checkpoint.GetEntry(stored);
            if (!entry.Shape.SequenceEqual(spec.Shape))
                throw new InvalidDataException($"reference: '{stored}' is [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", spec.Shape)}]");
            using var tensor = checkpoint.Load(stored, ScalarType.Float32);
            weights[spec.Name] = Array.ConvertAll(tensor.data<float>().ToArray(), v => (double)v);
        }
        return new ReferenceModel(config, weights);
    }

    /// <summary>Runs the model over <paramref name="ids"/> (one sequence, positions 0…n−1, no padding).</summary>
    public ReferenceOutput Forward(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Config.Family == ReferenceFamily.Gpt2 ? ForwardGpt2(ids) : ForwardDecoder(ids);
    }

    private double[] W(string name) => _weights[name];

    private double[] Block(int layer, string suffix) => _weights[ReferenceLayout.Block(Config, layer, suffix)];

    private double[]? OptionalBlock(int layer, string suffix) =>
        _weights.TryGetValue(ReferenceLayout.Block(Config, layer, suffix), out var values) ? values : null;

    private ReferenceOutput ForwardDecoder(IReadOnlyList<int> ids)
    {
        var c = Config;
        var embed = W("model.embed_tokens.weight");
        var scale = c.GemmaStyle ? (double)(float)Math.Sqrt(c.HiddenSize) : 1.0;
        var x = ids.Select(id => Row(embed, id, c.HiddenSize).Select(v => v * scale).ToArray()).ToArray();

        var residuals = new List<double[][]> { Copy(x) };
        var blocks = new List<ReferenceBlockTrace>();
        for (var layer = 0; layer < c.Layers; layer++)
        {
            var normed = x.Select(row => Norm(row, Block(layer, "input_layernorm.weight"))).ToArray();
            var (attn, pattern) = Attention(layer, normed);
            if (c.GemmaStyle) attn = attn.Select(row => Norm(row, Block(layer, "post_attention_layernorm.weight"))).ToArray();
            Add(x, attn);

            var preMlp = c.GemmaStyle ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight";
            var mlp = x.Select(row => Mlp(layer, Norm(row, Block(layer, preMlp)))).ToArray();
            if (c.GemmaStyle) mlp = mlp.Select(row => Norm(row, Block(layer, "post_feedforward_layernorm.weight"))).ToArray();
            Add(x, mlp);

            residuals.Add(Copy(x));
            blocks.Add(new ReferenceBlockTrace(attn, mlp, pattern));
        }

        var head = c.TieWordEmbeddings ? embed : W("lm_head.weight");
        var logits = x.Select(row =>
        {
            var values = ReferenceMath.Linear(Norm(row, W("model.norm.weight")), head, null, c.VocabSize);
            return c.FinalLogitSoftcap is { } cap ? values.Select(v => ReferenceMath.SoftCap(v, cap)).ToArray() : values;
        }).ToArray();
        return new ReferenceOutput(logits, residuals, blocks);
    }

    private double[] Norm(double[] x, double[] weight) => ReferenceMath.RmsNorm(x, weight, Config.NormEps, Config.GemmaStyle);

    /// <summary>Grouped-query attention with rotary positions, optional q/k norms, soft-capping and a sliding window.</summary>
    private (double[][] Output, double[][][] Pattern) Attention(int layer, double[][] x)
    {
        var c = Config;
        var hd = c.HeadDim;
        var sliding = c.SlidingLayers[layer];
        var invFreq = sliding ? c.LocalInvFreq : c.GlobalInvFreq;
        var window = sliding ? c.SlidingWindow : null;

        double[][] Project(string name, int heads, string? norm) => x.Select((row, position) =>
        {
            var projected = ReferenceMath.Linear(row, Block(layer, $"self_attn.{name}.weight"),
                OptionalBlock(layer, $"self_attn.{name}.bias"), heads * hd);
            for (var h = 0; h < heads; h++)
            {
                var slice = projected.AsSpan(h * hd, hd);
                if (norm is not null && c.QkNorm) Norm(slice.ToArray(), Block(layer, $"self_attn.{norm}.weight")).AsSpan().CopyTo(slice);
                if (norm is not null) RotaryFrequencies.Rotate(slice, invFreq, position);
            }
            return projected;
        }).ToArray();

        var q = Project("q_proj", c.Heads, "q_norm");
        var k = Project("k_proj", c.KvHeads, "k_norm");
        var v = Project("v_proj", c.KvHeads, null);
        var (merged, pattern) = Attend(q, k, v, c.Heads, c.Heads / c.KvHeads, c.AttentionScale, c.AttnLogitSoftcap, window);
        var output = merged.Select(row => ReferenceMath.Linear(row, Block(layer, "self_attn.o_proj.weight"),
            OptionalBlock(layer, "self_attn.o_proj.bias"), c.HiddenSize)).ToArray();
        return (output, pattern);
    }

    /// <summary>
    /// Softmax attention per head; query head h reads key/value head h / <paramref name="group"/> (transformers' repeat_kv).
    /// Returns the heads' outputs concatenated per position, and the pattern.
    /// </summary>
    private (double[][] Merged, double[][][] Pattern) Attend(double[][] q, double[][] k, double[][] v, int heads, int group,
        double scale, double? softcap, int? window)
    {
        int n = q.Length, hd = Config.HeadDim;
        var merged = new double[n][];
        var pattern = new double[heads][][];
        for (var h = 0; h < heads; h++) pattern[h] = new double[n][];
        for (var i = 0; i < n; i++)
        {
            merged[i] = new double[heads * hd];
            for (var h = 0; h < heads; h++)
            {
                var kvHead = h / group;
                var scores = new double[n];
                var allowed = new bool[n];
                for (var j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (var e = 0; e < hd; e++) dot += q[i][h * hd + e] * k[j][kvHead * hd + e];
                    scores[j] = softcap is { } cap ? ReferenceMath.SoftCap(dot * scale, cap) : dot * scale;
                    allowed[j] = ReferenceMath.MayAttend(i, j, window);
                }
                var p = ReferenceMath.MaskedSoftmax(scores, allowed);
                pattern[h][i] = p;
                for (var j = 0; j < n; j++)
                {
                    for (var e = 0; e < hd; e++) merged[i][h * hd + e] += p[j] * v[j][kvHead * hd + e];
                }
            }
        }
        return (merged, pattern);
    }

    /// <summary>down(act(gate(x)) · up(x)).</summary>
    private double[] Mlp(int layer, double[] x)
    {
        var c = Config;
        var gate = ReferenceMath.Linear(x, Block(layer, "mlp.gate_proj.weight"), OptionalBlock(layer, "mlp.gate_proj.bias"), c.IntermediateSize);
        var up = ReferenceMath.Linear(x, Block(layer, "mlp.up_proj.weight"), OptionalBlock(layer, "mlp.up_proj.bias"), c.IntermediateSize);
        var hidden = gate.Select((g, i) => ReferenceMath.Activate(c.Activation, g) * up[i]).ToArray();
        return ReferenceMath.Linear(hidden, Block(layer, "mlp.down_proj.weight"), OptionalBlock(layer, "mlp.down_proj.bias"), c.HiddenSize);
    }

    private ReferenceOutput ForwardGpt2(IReadOnlyList<int> ids)
    {
        var c = Config;
        int d = c.HiddenSize;
        var wte = W("transformer.wte.weight");
        var wpe = W("transformer.wpe.weight");
        var x = ids.Select((id, position) => Row(wte, id, d).Zip(Row(wpe, position, d), (a, b) => a + b).ToArray()).ToArray();

        var residuals = new List<double[][]> { Copy(x) };
        var blocks = new List<ReferenceBlockTrace>();
        for (var layer = 0; layer < c.Layers; layer++)
        {
            double[] LayerNorm(double[] row, string name) =>
                ReferenceMath.LayerNorm(row, Block(layer, name + ".weight"), Block(layer, name + ".bias"), c.NormEps);
            double[] Conv1D(double[] row, string name, int outFeatures) =>
                ReferenceMath.Linear(row, Block(layer, name + ".weight"), Block(layer, name + ".bias"), outFeatures, transposed: true);

            var qkv = x.Select(row => Conv1D(LayerNorm(row, "ln_1"), "attn.c_attn", 3 * d)).ToArray();
            var scale = c.AttentionScale / (c.ScaleAttnByInverseLayerIdx ? layer + 1 : 1);
            var (merged, pattern) = Attend(qkv.Select(r => r[..d]).ToArray(), qkv.Select(r => r[d..(2 * d)]).ToArray(),
                qkv.Select(r => r[(2 * d)..]).ToArray(), c.Heads, 1, scale, null, null);
            var attn = merged.Select(row => Conv1D(row, "attn.c_proj", d)).ToArray();
            Add(x, attn);

            var mlp = x.Select(row =>
            {
                var hidden = Conv1D(LayerNorm(row, "ln_2"), "mlp.c_fc", c.IntermediateSize);
                return Conv1D(hidden.Select(h => ReferenceMath.Activate(c.Activation, h)).ToArray(), "mlp.c_proj", d);
            }).ToArray();
            Add(x, mlp);

            residuals.Add(Copy(x));
            blocks.Add(new ReferenceBlockTrace(attn, mlp, pattern));
        }

        var logits = x.Select(row => ReferenceMath.Linear(
            ReferenceMath.LayerNorm(row, W("transformer.ln_f.weight"), W("transformer.ln_f.bias"), c.NormEps), wte, null, c.VocabSize)).ToArray();
        return new ReferenceOutput(logits, residuals, blocks);
    }

    private static double[] Row(double[] matrix, int row, int width) => matrix.AsSpan(row * width, width).ToArray();

    private static double[][] Copy(double[][] rows) => rows.Select(r => (double[])r.Clone()).ToArray();

    private static void Add(double[][] x, double[][] delta)
    {
        for (var i = 0; i < x.Length; i++)
        {
            for (var j = 0; j < x[i].Length; j++) x[i][j] += delta[i][j];
        }
    }
}
