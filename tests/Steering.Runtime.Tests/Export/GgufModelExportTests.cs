using System;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Models.Gpt2;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Export;

/// <summary>The GGUF a GPT-2 exports to, read back: llama.cpp's names, layouts, metadata and padded vocabulary.</summary>
public sealed class GgufModelExportTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Tensors_have_llama_cpp_names_and_layouts()
    {
        using var model = Gpt2Model.CreateRandom(TinyGpt2.Config(layers: 1), seed: 2);
        var path = _temp.File("m.gguf");
        GgufModelExport.Write(model, path);
        using var file = GgufFile.Open(path);
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);

        using var scope = NewDisposeScope();
        TensorAssert.Equal(weights["wte.weight"], file.Load("token_embd.weight"));
        TensorAssert.Equal(weights["wpe.weight"], file.Load("position_embd.weight"));
        // Conv1D keeps [in, out]; llama.cpp wants PyTorch's [out, in] (ggml [in, out]).
        TensorAssert.Equal(weights["h.0.attn.c_attn.weight"].t(), file.Load("blk.0.attn_qkv.weight"));
        Assert.Equal([32L, 96L], file.GetTensor("blk.0.attn_qkv.weight").Dimensions);
        TensorAssert.Equal(weights["h.0.mlp.c_proj.weight"].t(), file.Load("blk.0.ffn_down.weight"));
        TensorAssert.Equal(weights["h.0.ln_2.bias"], file.Load("blk.0.ffn_norm.bias"));
        Assert.Equal(
            ["token_embd.weight", "position_embd.weight", "output_norm.weight", "output_norm.bias", "blk.0.attn_norm.weight",
             "blk.0.attn_norm.bias", "blk.0.attn_qkv.weight", "blk.0.attn_qkv.bias", "blk.0.attn_output.weight",
             "blk.0.attn_output.bias", "blk.0.ffn_norm.weight", "blk.0.ffn_norm.bias", "blk.0.ffn_up.weight",
             "blk.0.ffn_up.bias", "blk.0.ffn_down.weight", "blk.0.ffn_down.bias"],
            file.Tensors.Select(t => t.Name));

        var m = file.Metadata;
        Assert.Equal("gpt2", file.Architecture);
        Assert.Equal(64L, m["gpt2.context_length"].AsInteger());
        Assert.Equal(32L, m["gpt2.embedding_length"].AsInteger());
        Assert.Equal(128L, m["gpt2.feed_forward_length"].AsInteger());
        Assert.Equal(1L, m["gpt2.block_count"].AsInteger());
        Assert.Equal(4L, m["gpt2.attention.head_count"].AsInteger());
        Assert.Equal(1e-5, m["gpt2.attention.layer_norm_epsilon"].AsFloat(), 1e-12);
        Assert.Equal(0L, m["general.file_type"].AsInteger());
        Assert.Equal("gpt2", m["tokenizer.ggml.model"].AsString());
        Assert.Equal("gpt-2", m["tokenizer.ggml.pre"].AsString());
        Assert.Equal(50000, m["tokenizer.ggml.merges"].Count);
        Assert.Equal("Ġ t", m["tokenizer.ggml.merges"].AsArray<string>()[0]);
        Assert.Equal(50256L, m["tokenizer.ggml.eos_token_id"].AsInteger());
    }

    [Fact]
    public void A_vocabulary_shorter_than_the_embedding_is_padded_as_the_converter_pads()
    {
        using var model = Gpt2Model.CreateRandom(TinyGpt2.Config(layers: 1) with { VocabSize = 50260 }, seed: 2);
        var path = _temp.File("padded.gguf");
        GgufModelExport.Write(model, path, GgmlType.F16);
        using var file = GgufFile.Open(path);
        var tokens = file.Metadata["tokenizer.ggml.tokens"].AsArray<string>();
        var types = file.Metadata["tokenizer.ggml.token_type"].AsArray<int>();
        Assert.Equal(50260, tokens.Count);
        Assert.Equal(["!", "\"", "#"], tokens.Take(3));
        Assert.Equal("<|endoftext|>", tokens[50256]);
        Assert.Equal(["[PAD50257]", "[PAD50258]", "[PAD50259]"], tokens.Skip(50257));
        Assert.Equal(1, types[0]);
        Assert.Equal(3, types[50256]); // control
        Assert.Equal([5, 5, 5], types.Skip(50257)); // unused
        Assert.Equal(GgmlType.F16, file.GetTensor("token_embd.weight").Type);
        Assert.Equal(GgmlType.F32, file.GetTensor("position_embd.weight").Type);
        Assert.Equal(GgmlType.F32, file.GetTensor("blk.0.ffn_up.bias").Type);
        Assert.Equal(1L, file.Metadata["general.file_type"].AsInteger());
    }

    [Fact]
    public void Models_llama_cpp_would_compute_differently_are_refused_and_nothing_is_written()
    {
        var path = _temp.File("never.gguf");
        void Refused(Gpt2Config config, string reason)
        {
            using var model = Gpt2Model.CreateRandom(config, seed: 2);
            Assert.Contains(reason, Assert.Throws<SteeringException>(() => GgufModelExport.Write(model, path)).Message);
            Assert.False(System.IO.File.Exists(path));
        }
        var tiny = TinyGpt2.Config(layers: 1);
        Refused(tiny with { ActivationFunction = "gelu" }, "tanh-approximated GELU");
        Refused(tiny with { ScaleAttnByInverseLayerIdx = true }, "1/sqrt(d_head) only");
        Refused(tiny with { VocabSize = 1000 }, "only 1000 rows");
    }
}
