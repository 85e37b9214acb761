using System.Collections.Generic;

namespace Steering.Tests.Support.Reference;

/// <summary>What a tensor is, which decides how <see cref="RandomCheckpoint"/> draws it.</summary>
public enum TensorRole
{
    /// <summary>Token (or position) embedding rows.</summary>
    Embedding,
    /// <summary>A projection; its last stored dimension is the input width for Linear, the first for GPT-2's Conv1D.</summary>
    Matrix,
    /// <summary>A projection's bias.</summary>
    Bias,
    /// <summary>A norm weight used as w (Llama-style RMSNorm, LayerNorm): values around 1.</summary>
    Scale,
    /// <summary>A Gemma norm weight used as (1 + w): values around 0.</summary>
    OffsetScale,
}

/// <summary>One tensor of a checkpoint: its Hugging Face name, shape and role.</summary>
public sealed record ReferenceTensorSpec(string Name, long[] Shape, TensorRole Role, int FanIn = 0);

/// <summary>The tensors each family's Hugging Face <c>*ForCausalLM</c> holds, named as its state_dict names them.</summary>
public static class ReferenceLayout
{
    /// <summary>Every tensor a checkpoint of <paramref name="config"/> holds (lm_head.weight only when untied).</summary>
    public static IReadOnlyList<ReferenceTensorSpec> Tensors(ReferenceConfig config)
    {
        System.ArgumentNullException.ThrowIfNull(config);
        return config.Family == ReferenceFamily.Gpt2 ? Gpt2(config) : Decoder(config);
    }

    /// <summary>The name of block <paramref name="layer"/>'s tensor <paramref name="suffix"/>.</summary>
    public static string Block(ReferenceConfig config, int layer, string suffix)
    {
        System.ArgumentNullException.ThrowIfNull(config);
        return config.Family == ReferenceFamily.Gpt2 ? $"transformer.h.{layer}.{suffix}" : $"model.layers.{layer}.{suffix}";
    }

    private static List<ReferenceTensorSpec> Decoder(ReferenceConfig c)
    {
        var normRole = c.GemmaStyle ? TensorRole.OffsetScale : TensorRole.Scale;
        long d = c.HiddenSize, q = (long)c.Heads * c.HeadDim, kv = (long)c.KvHeads * c.HeadDim, inner = c.IntermediateSize;
        var list = new List<ReferenceTensorSpec> { new("model.embed_tokens.weight", [c.VocabSize, d], TensorRole.Embedding) };
        for (var i = 0; i < c.Layers; i++)
        {
            void Add(string suffix, long[] shape, TensorRole role, int fanIn = 0) => list.Add(new(Block(c, i, suffix), shape, role, fanIn));
            void Projection(string name, long outFeatures, long inFeatures, bool bias)
            {
                Add(name + ".weight", [outFeatures, inFeatures], TensorRole.Matrix, (int)inFeatures);
                if (bias) Add(name + ".bias", [outFeatures], TensorRole.Bias);
            }

            Add("input_layernorm.weight", [d], normRole);
            Projection("self_attn.q_proj", q, d, c.QkvBias);
            Projection("self_attn.k_proj", kv, d, c.QkvBias);
            Projection("self_attn.v_proj", kv, d, c.QkvBias);
            Projection("self_attn.o_proj", d, q, c.OutputBias);
            if (c.QkNorm)
            {
                Add("self_attn.q_norm.weight", [c.HeadDim], normRole);
                Add("self_attn.k_norm.weight", [c.HeadDim], normRole);
            }
            Add("post_attention_layernorm.weight", [d], normRole);
            if (c.GemmaStyle)
            {
                Add("pre_feedforward_layernorm.weight", [d], normRole);
                Add("post_feedforward_layernorm.weight", [d], normRole);
            }
            Projection("mlp.gate_proj", inner, d, c.MlpBias);
            Projection("mlp.up_proj", inner, d, c.MlpBias);
            Projection("mlp.down_proj", d, inner, c.MlpBias);
        }
        list.Add(new("model.norm.weight", [d], normRole));
        if (!c.TieWordEmbeddings) list.Add(new("lm_head.weight", [c.VocabSize, d], TensorRole.Matrix, (int)d));
        return list;
    }

    private static List<ReferenceTensorSpec> Gpt2(ReferenceConfig c)
    {
        long d = c.HiddenSize, inner = c.IntermediateSize;
        var list = new List<ReferenceTensorSpec>
        {
            new("transformer.wte.weight", [c.VocabSize, d], TensorRole.Embedding),
            new("transformer.wpe.weight", [c.MaxPositions, d], TensorRole.Embedding),
        };
        for (var i = 0; i < c.Layers; i++)
        {
            void Add(string suffix, long[] shape, TensorRole role, int fanIn = 0) => list.Add(new(Block(c, i, suffix), shape, role, fanIn));
            Add("ln_1.weight", [d], TensorRole.Scale);
            Add("ln_1.bias", [d], TensorRole.Bias);
            Add("attn.c_attn.weight", [d, 3 * d], TensorRole.Matrix, (int)d);
            Add("attn.c_attn.bias", [3 * d], TensorRole.Bias);
            Add("attn.c_proj.weight", [d, d], TensorRole.Matrix, (int)d);
            Add("attn.c_proj.bias", [d], TensorRole.Bias);
            Add("ln_2.weight", [d], TensorRole.Scale);
            Add("ln_2.bias", [d], TensorRole.Bias);
            Add("mlp.c_fc.weight", [d, inner], TensorRole.Matrix, (int)d);
            Add("mlp.c_fc.bias", [inner], TensorRole.Bias);
            Add("mlp.c_proj.weight", [inner, d], TensorRole.Matrix, (int)inner);
            Add("mlp.c_proj.bias", [d], TensorRole.Bias);
        }
        list.Add(new("transformer.ln_f.weight", [d], TensorRole.Scale));
        list.Add(new("transformer.ln_f.bias", [d], TensorRole.Bias));
        return list;
    }
}
