using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// Tiny random Llama-shaped checkpoints (d_model 48, 2 blocks) with real, cut-down tokenizer.json files (the ids of the
/// real Llama 3 and Qwen vocabularies, so vocab_size covers them), each exported as an F32 GGUF and loaded once in
/// llama.cpp — shared by every test class.
/// </summary>
/// <remarks>
/// Weights are drawn with std 0.1 and biases and norm weights are random too (Hugging Face's init leaves biases at
/// zero and norms at one, which would let a wrong layout pass unnoticed).
/// </remarks>
public sealed class TinyLlamaFamilies : IDisposable
{
    public const string Prompt = "I'm sure you're right, they'll see we've done it. IT'S OK";

    /// <summary>
    /// Llama 3.1-style: grouped-query attention, untied, llama3 rope scaling (a rope_freqs tensor in llama.cpp) with a
    /// short original context so every band of the scaling is used.
    /// </summary>
    private const string Llama3 = """
        { "model_type": "llama", "vocab_size": 128256, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
          "rope_theta": 500000.0, "bos_token_id": 128000, "eos_token_id": 128001, "tie_word_embeddings": false,
          "rope_scaling": { "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_max_position_embeddings": 16 } }
        """;

    /// <summary>Llama with tied embeddings, attention and MLP biases, linear rope scaling and head_dim 8 ≠ 48 / 4.</summary>
    private const string BiasedLlama = """
        { "model_type": "llama", "vocab_size": 128256, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 8, "max_position_embeddings": 64,
          "bos_token_id": 128000, "eos_token_id": 128001, "tie_word_embeddings": true, "attention_bias": true, "mlp_bias": true,
          "rope_scaling": { "type": "linear", "factor": 2.0 } }
        """;

    /// <summary>Qwen2: q/k/v biases, tied embeddings, no BOS added.</summary>
    private const string Qwen2 = """
        { "model_type": "qwen2", "vocab_size": 151680, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rope_theta": 1000000.0,
          "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645, "rms_norm_eps": 1e-6 }
        """;

    /// <summary>Qwen3: per-head q/k RMSNorm, head_dim 16 (heads × head_dim = 64 ≠ d_model 48), untied.</summary>
    private const string Qwen3 = """
        { "model_type": "qwen3", "vocab_size": 151680, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "max_position_embeddings": 64,
          "tie_word_embeddings": false, "bos_token_id": 151643, "eos_token_id": 151645 }
        """;

    /// <summary>Llama 2-style with Mistral 7B's SentencePiece-style vocabulary (llama.cpp's "llama" vocabulary, scores and byte tokens).</summary>
    private const string Llama2 = """
        { "model_type": "llama", "vocab_size": 32000, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 4, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
          "rope_theta": 10000.0, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false }
        """;

    /// <summary>Mistral without a sliding window (llama.cpp's "llama"), same vocabulary; grouped-query attention.</summary>
    private const string Mistral = """
        { "model_type": "mistral", "vocab_size": 32000, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
          "rope_theta": 1000000.0, "bos_token_id": 1, "eos_token_id": 2, "sliding_window": null, "tie_word_embeddings": false }
        """;

    /// <summary>
    /// Gemma 2: post-sublayer norms, (1 + w) norms, GELU, √d_model embedding scale, query_pre_attn_scalar = head_dim,
    /// layer 0 sliding with a window of 4 (shorter than the prompt), soft-caps small enough to bend scores and logits.
    /// Gemma 3's vocabulary (Gemma 2's 256000 ids are a subset of it).
    /// </summary>
    private const string Gemma2 = """
        { "model_type": "gemma2", "vocab_size": 262208, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "query_pre_attn_scalar": 16,
          "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "sliding_window": 4,
          "attn_logit_softcapping": 5.0, "final_logit_softcapping": 3.0, "hidden_activation": "gelu_pytorch_tanh",
          "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0, "tie_word_embeddings": true }
        """;

    /// <summary>
    /// Gemma 3: as Gemma 2 plus per-head q/k norms, no soft-caps, six layers so that layers 0–4 slide (window 4, local
    /// rotary base 10000) and layer 5 is global (base 1e6, linear scaling 8 as Gemma 3 4B+ has).
    /// </summary>
    private const string Gemma3 = """
        { "model_type": "gemma3_text", "vocab_size": 262208, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 6,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "query_pre_attn_scalar": 16,
          "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
          "rope_scaling": { "rope_type": "linear", "factor": 8.0 }, "sliding_window": 4, "sliding_window_pattern": 6,
          "hidden_activation": "gelu_pytorch_tanh", "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0,
          "tie_word_embeddings": true }
        """;

    /// <summary>The models by name, with the tokenizer folder (under the runtime tests' Tokenization/Data) each uses.</summary>
    public static IReadOnlyDictionary<string, (string Config, string Tokenizer)> Specs { get; } = new Dictionary<string, (string, string)>
    {
        ["llama3"] = (Llama3, "llama3"),
        ["llama-biased"] = (BiasedLlama, "llama3"),
        ["qwen2"] = (Qwen2, "qwen3"),
        ["qwen3"] = (Qwen3, "qwen3"),
        ["llama2"] = (Llama2, "llama2"),
        ["mistral"] = (Mistral, "llama2"),
        ["gemma2"] = (Gemma2, "gemma3"),
        ["gemma3"] = (Gemma3, "gemma3"),
    };

    /// <summary>
    /// How far llama.cpp's logits may be from ours: float32 rounding (measured ~2e-6) for SiLU models. For Gemma's GELU,
    /// ggml's CPU kernel rounds the input to float16 and looks GELU up in a float16 table (as for GPT-2,
    /// <see cref="TinyGpt2Model.GeluTolerance"/>); each post-MLP norm rescales that error and the soft-caps and layers
    /// compound it (measured on c0c7e147: gemma2, 2 blocks, 2.6e-3; gemma3, 6 blocks, 1.4e-2, logit std 1.2–1.4).
    /// Without the MLP Gemma agrees to float32 rounding (2e-5), and with ggml's table in our MLPs most of the
    /// difference goes (both tested).
    /// </summary>
    public static double Tolerance(string name) => name.StartsWith("gemma", StringComparison.Ordinal) ? 2e-2 : 1e-4;

    public static IEnumerable<object[]> Names => Specs.Keys.Select(name => new object[] { name });

    private readonly TempDirectory _folder = new();
    private readonly Dictionary<string, Tiny> _models = new();

    public TinyLlamaFamilies()
    {
        foreach (var (name, (config, tokenizer)) in Specs)
        {
            var folder = Path.Combine(_folder.Path, name);
            using (var random = HookedTransformer.CreateRandom(config, seed: 3))
            {
                Randomize(random, seed: 5);
                random.Save(folder);
            }
            foreach (var file in Directory.GetFiles(TokenizerFolder(tokenizer), "*.json").Where(f => !f.EndsWith("expected.json", StringComparison.Ordinal)))
                System.IO.File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            var model = HookedTransformer.Load(folder);
            var gguf = File(name + ".f32.gguf");
            GgufModelExport.Write(model, gguf, GgmlType.F32);
            _models[name] = new Tiny(folder, model, model.Tokenizer.Encode(Prompt), new LlamaCppEngine(gguf));
        }
    }

    /// <summary>One model: its folder, the model as we load it, the prompt's ids, and its F32 export in llama.cpp.</summary>
    public sealed record Tiny(string Folder, HookedTransformer Model, int[] Ids, LlamaCppEngine Engine);

    public Tiny this[string name] => _models[name];

    public string File(string name) => _folder.File(name);

    /// <summary>The folder of a real cut-down tokenizer the runtime tests keep.</summary>
    public static string TokenizerFolder(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Steering.Runtime.Tests", "Tokenization", "Data", name);

    /// <summary>Our logits for <paramref name="ids"/>, [pos, vocab] as float64.</summary>
    public static Tensor OurLogits(HookedTransformer model, int[] ids)
    {
        using var noGrad = no_grad();
        using var logits = model.Forward(model.TokenTensor(ids));
        return logits[0].to(ScalarType.Float64).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var tiny in _models.Values)
        {
            tiny.Engine.Dispose();
            tiny.Model.Dispose();
        }
        _folder.Dispose();
    }

    private static void Randomize(HookedTransformer model, long seed)
    {
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            using var noise = randn(parameter.shape, generator: generator);
            var isNormWeight = parameter.dim() == 1 && !name.EndsWith(".bias", StringComparison.Ordinal);
            parameter.copy_(isNormWeight ? noise.mul(0.1).add(1) : noise.mul(0.1));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyLlamaFamiliesGroup : ICollectionFixture<TinyLlamaFamilies>
{
    public const string Name = "tiny Llama-shaped models in llama.cpp";
}
