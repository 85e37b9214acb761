using System;
using System.IO;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Tests.Support;
using Steering.Tests.Tokenization;
using static TorchSharp.torch;

namespace Steering.Tests.Export;

/// <summary>The GGUF a Llama 3-style and a Gemma 2 model export to, read back: tensor layouts, rope_freqs, norms, metadata, tokenizer.</summary>
public sealed class LlamaGgufExportTests : IDisposable
{
    private const string Config = """
        { "model_type": "llama", "vocab_size": 128256, "hidden_size": 24, "intermediate_size": 32, "num_hidden_layers": 1,
          "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 32, "rope_theta": 500000.0,
          "bos_token_id": 128000, "eos_token_id": 128001,
          "rope_scaling": { "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_max_position_embeddings": 16 } }
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A random model of <paramref name="config"/> saved with a real tokenizer's files, loaded back.</summary>
    private HookedTransformer RandomModel(string config, string tokenizer)
    {
        var folder = _temp.File(tokenizer + "-model");
        using (var random = HookedTransformer.CreateRandom(config, seed: 4)) random.Save(folder);
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(TokenizerData.Folder(tokenizer), name), Path.Combine(folder, name));
        return HookedTransformer.Load(folder);
    }

    [Fact]
    public void Llama_exports_with_interleaved_rotary_rows_rope_factors_and_its_tokenizer()
    {
        using var model = RandomModel(Config, "llama3");
        var path = _temp.File("llama.gguf");
        GgufModelExport.Write(model, path);
        using var file = GgufFile.Open(path);
        using var scope = NewDisposeScope();

        // d_head 12: llama.cpp row 2j of a head is Hugging Face's row j, row 2j + 1 is row j + 6 (k: one kv head).
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Tensor Weight(string name) => weights[name].detach();
        var hfK = Weight("model.layers.0.self_attn.k_proj.weight");
        var ggufK = file.Load("blk.0.attn_k.weight");
        TensorAssert.Equal(hfK[0], ggufK[0]);
        TensorAssert.Equal(hfK[6], ggufK[1]);
        TensorAssert.Equal(hfK[1], ggufK[2]);
        TensorAssert.Equal(hfK[11], ggufK[11]);
        var hfQ = Weight("model.layers.0.self_attn.q_proj.weight");
        TensorAssert.Equal(hfQ[12 + 6], file.Load("blk.0.attn_q.weight")[12 + 1]);
        TensorAssert.Equal(Weight("lm_head.weight"), file.Load("output.weight"));

        // By hand, theta 500000, d_head 12, factor 8, window [16/4, 16/1]: the first frequency's wavelength 2π lies in
        // the band (smooth = (16/2π − 1)/3, factor 1/((1 − smooth)/8 + smooth) = 1.7359…); the others' exceed 16.
        var smooth = ((16 / (2 * Math.PI)) - 1) / 3;
        var factors = file.Load("rope_freqs.weight");
        Assert.Equal(1 / (((1 - smooth) / 8) + smooth), factors[0].item<float>(), 5);
        for (var i = 1; i < 6; i++) Assert.Equal(8f, factors[i].item<float>());

        Assert.Equal("llama", file.Architecture);
        Assert.Equal(12L, file.Metadata["llama.rope.dimension_count"].AsInteger());
        Assert.Equal(1L, file.Metadata["llama.attention.head_count_kv"].AsInteger());
        Assert.Equal("llama-bpe", file.Metadata["tokenizer.ggml.pre"].AsString());
        Assert.Equal(128256, file.Metadata["tokenizer.ggml.tokens"].Count);
        Assert.Equal(128000L, file.Metadata["tokenizer.ggml.bos_token_id"].AsInteger());
    }

    private const string Gemma2Config = """
        { "model_type": "gemma2", "vocab_size": 262208, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
          "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "query_pre_attn_scalar": 8,
          "max_position_embeddings": 32, "sliding_window": 4, "attn_logit_softcapping": 5.0, "final_logit_softcapping": 3.0 }
        """;

    [Fact]
    public void Gemma2_exports_norms_as_one_plus_weight_its_post_norms_soft_caps_window_and_a_vocabulary_without_space_prefix()
    {
        using var model = RandomModel(Gemma2Config, "gemma3");
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        using (no_grad())
        {
            // Gemma's init leaves norm weights at 0; values of their own show whether 1 is added, and to which norm.
            foreach (var (name, index) in new[] { ("model.layers.1.post_attention_layernorm.weight", 1), ("model.layers.1.pre_feedforward_layernorm.weight", 2), ("model.layers.1.post_feedforward_layernorm.weight", 3), ("model.norm.weight", 4) })
                weights[name].copy_(arange(16, ScalarType.Float32).mul(0.01 * index));
        }
        var path = _temp.File("gemma2.gguf");
        GgufModelExport.Write(model, path);
        using var file = GgufFile.Open(path);
        using var scope = NewDisposeScope();

        Tensor OnePlus(string name) => weights[name].detach().add(1.0);
        TensorAssert.Equal(OnePlus("model.layers.1.post_attention_layernorm.weight"), file.Load("blk.1.post_attention_norm.weight"));
        TensorAssert.Equal(OnePlus("model.layers.1.pre_feedforward_layernorm.weight"), file.Load("blk.1.ffn_norm.weight"));
        TensorAssert.Equal(OnePlus("model.layers.1.post_feedforward_layernorm.weight"), file.Load("blk.1.post_ffw_norm.weight"));
        TensorAssert.Equal(OnePlus("model.norm.weight"), file.Load("output_norm.weight"));
        TensorAssert.Equal(ones(16), file.Load("blk.0.attn_norm.weight"));
        // NeoX rotary layout: q/k rows as Hugging Face has them; the output is the token embedding.
        TensorAssert.Equal(weights["model.layers.0.self_attn.k_proj.weight"].detach(), file.Load("blk.0.attn_k.weight"));
        Assert.False(file.Contains("output.weight"));

        Assert.Equal("gemma2", file.Architecture);
        Assert.Equal(5f, file.Metadata["gemma2.attn_logit_softcapping"].Value);
        Assert.Equal(3f, file.Metadata["gemma2.final_logit_softcapping"].Value);
        Assert.Equal(4L, file.Metadata["gemma2.attention.sliding_window"].AsInteger());
        Assert.Equal(8L, file.Metadata["gemma2.attention.key_length"].AsInteger());
        Assert.Equal("llama", file.Metadata["tokenizer.ggml.model"].AsString());
        Assert.Equal(false, file.Metadata["tokenizer.ggml.add_space_prefix"].Value);
        Assert.Equal(2L, file.Metadata["tokenizer.ggml.bos_token_id"].AsInteger());
        Assert.Equal(model.Tokenizer.ChatTemplates["default"], file.Metadata["tokenizer.chat_template"].AsString());
    }
}
