using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// A random checkpoint shaped exactly like meta-llama/Llama-3.2-1B — hidden 2048, 16 layers, 32 query heads over 8
/// key/value heads of 64, MLP 8192, vocabulary 128256, tied embeddings, llama3 rope scaling — stored as Hugging Face
/// does (BF16, tensor names of LlamaForCausalLM), in shards with an index. 1.24 billion parameters, 2.47 GB.
/// Written to a scratch folder for measuring, never committed. The tokenizer is Llama 3's tokenizer.json as meta-llama
/// ships it (BOS template), cut to the tokens the tokenizer tests use (Steering.Runtime.Tests/Tokenization/Data/llama3-bos):
/// the ids are real Llama 3 ids, and the GGUF export pads the vocabulary to the embedding's 128256 rows.
/// </summary>
public static class Llama1BCheckpoint
{
    /// <summary>config.json of Llama-3.2-1B (transformers 4.45 wrote it), keys sorted as save_pretrained writes them.</summary>
    public const string ConfigJson = """
        {
          "architectures": [
            "LlamaForCausalLM"
          ],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": 128001,
          "head_dim": 64,
          "hidden_act": "silu",
          "hidden_size": 2048,
          "initializer_range": 0.02,
          "intermediate_size": 8192,
          "max_position_embeddings": 131072,
          "mlp_bias": false,
          "model_type": "llama",
          "num_attention_heads": 32,
          "num_hidden_layers": 16,
          "num_key_value_heads": 8,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "rope_theta": 500000.0,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.45.0.dev0",
          "use_cache": true,
          "vocab_size": 128256
        }

        """;

    private const int Hidden = 2048, Layers = 16, QueryWidth = 32 * 64, KeyWidth = 8 * 64, Mlp = 8192, Vocab = 128256;

    /// <summary>Shards of at most 1 GiB, so the folder has an index and three files as a sharded download does.</summary>
    public const long ShardBytes = 1L << 30;

    /// <summary>Every tensor's name and shape, as LlamaForCausalLM's state_dict names them (no lm_head: tied).</summary>
    public static IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        yield return ("model.embed_tokens.weight", [Vocab, Hidden]);
        for (var i = 0; i < Layers; i++)
        {
            var p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [Hidden]);
            yield return (p + "self_attn.q_proj.weight", [QueryWidth, Hidden]);
            yield return (p + "self_attn.k_proj.weight", [KeyWidth, Hidden]);
            yield return (p + "self_attn.v_proj.weight", [KeyWidth, Hidden]);
            yield return (p + "self_attn.o_proj.weight", [Hidden, QueryWidth]);
            yield return (p + "post_attention_layernorm.weight", [Hidden]);
            yield return (p + "mlp.gate_proj.weight", [Mlp, Hidden]);
            yield return (p + "mlp.up_proj.weight", [Mlp, Hidden]);
            yield return (p + "mlp.down_proj.weight", [Hidden, Mlp]);
        }
        yield return ("model.norm.weight", [Hidden]);
    }

    /// <summary>
    /// Writes the checkpoint into <paramref name="folder"/>: projections and embeddings N(0, 0.02²) (Hugging Face's
    /// initializer_range), norms 1, drawn in BF16 directly so the writer never holds a float32 copy of the model.
    /// </summary>
    public static void Write(string folder, long seed = BenchmarkModels.Seed)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), ConfigJson, new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), """
            {
              "_from_model_config": true,
              "bos_token_id": 128000,
              "do_sample": true,
              "eos_token_id": 128001,
              "temperature": 0.6,
              "top_p": 0.9,
              "transformers_version": "4.45.0.dev0"
            }

            """, new UTF8Encoding(false));
        AddTokenizer(folder);

        using var generator = new Generator((ulong)seed);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (name, shape) in Tensors())
            {
                var tensor = shape.Length == 1
                    ? ones(shape, ScalarType.BFloat16)
                    : normal(0, 0.02, shape, ScalarType.BFloat16, generator: generator);
                tensors.Add(new(name, tensor));
            }
            CheckpointWeights.Save(folder, tensors, ShardBytes, ScalarType.BFloat16);
        }
        finally
        {
            foreach (var (_, tensor) in tensors) tensor.Dispose();
        }
    }

    /// <summary>Where the benchmark's build output keeps the tokenizer files (linked from the tokenizer tests' data).</summary>
    private static string TokenizerSource => Path.Combine(AppContext.BaseDirectory, "Llama1BTokenizer");

    /// <summary>Copies the tokenizer files into <paramref name="folder"/> unless they are there (folders written before they were added get them too).</summary>
    public static void AddTokenizer(string folder)
    {
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            var target = Path.Combine(folder, file);
            if (!File.Exists(target)) File.Copy(Path.Combine(TokenizerSource, file), target);
        }
    }

    /// <summary>The GGUF file of the checkpoint stored as <paramref name="type"/>, in a subfolder the loader does not look in.</summary>
    public static string GgufPath(string folder, GgmlType type) => Path.Combine(folder, "gguf", $"llama1b-random.{type}.gguf");

    /// <summary>
    /// Writes the GGUF files of <paramref name="types"/> that are not there yet with what <c>steer export --format gguf</c>
    /// runs (<see cref="GgufModelExport"/>), from the checkpoint loaded in BF16 (its stored type: F32 holds the same values).
    /// </summary>
    public static void ExportGguf(string folder, IEnumerable<GgmlType> types)
    {
        var missing = types.Where(type => !File.Exists(GgufPath(folder, type))).ToList();
        if (missing.Count == 0) return;
        Directory.CreateDirectory(Path.Combine(folder, "gguf"));
        using var model = HookedTransformer.Load(folder, new ModelLoadOptions { DType = ScalarType.BFloat16 });
        foreach (var type in missing) GgufModelExport.Write(model, GgufPath(folder, type), type);
    }

    /// <summary>The bytes of the folder's weight files.</summary>
    public static long WeightBytes(string folder) =>
        Directory.EnumerateFiles(folder, "*.safetensors").Sum(path => new FileInfo(path).Length);

    /// <summary>The parameter count of the shape.</summary>
    public static long ParameterCount => Tensors().Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
}
