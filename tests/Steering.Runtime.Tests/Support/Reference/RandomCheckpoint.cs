using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using static TorchSharp.torch;

namespace Steering.Tests.Support.Reference;

/// <summary>
/// Writes seeded random checkpoints in Hugging Face layout for every family the reference implements: config.json with
/// the keys transformers writes for that model_type, model.safetensors (or shards and model.safetensors.index.json) with
/// the state_dict's tensor names, optionally generation_config.json.
/// </summary>
/// <remarks>
/// Projections are drawn from N(0, 1/fan_in) so activations stay of order one through every layer: a 1e-4 tolerance
/// then means the same thing at every depth, and a wrong formula moves logits by far more. Embeddings are N(0, 1),
/// biases N(0, 0.1²), norm weights 1 + N(0, 0.1²) (Gemma's (1 + w) weights N(0, 0.1²)), so no norm is the identity.
/// </remarks>
public static class RandomCheckpoint
{
    /// <summary>The transformers version written into config.json, as a folder saved by it would say.</summary>
    public const string TransformersVersion = "4.51.3";

    /// <summary>
    /// A tiny config for <paramref name="family"/> with the keys and layout of a real checkpoint's config.json
    /// (Llama 3.2, Mistral 7B v0.3, Qwen2.5, Qwen3, Gemma 2, Gemma 3 1B, GPT-2): 4 query heads over 2 key/value heads,
    /// hidden 64, vocabulary 256. Sliding windows and soft-caps are small enough to matter over a dozen tokens.
    /// Edit the returned object to vary a setting.
    /// </summary>
    public static JsonObject Config(ReferenceFamily family) => family switch
    {
        ReferenceFamily.Gpt2 => new JsonObject
        {
            ["activation_function"] = "gelu_new", ["architectures"] = new JsonArray("GPT2LMHeadModel"), ["attn_pdrop"] = 0.1,
            ["bos_token_id"] = 1, ["embd_pdrop"] = 0.1, ["eos_token_id"] = 2, ["initializer_range"] = 0.02,
            ["layer_norm_epsilon"] = 1e-5, ["model_type"] = "gpt2", ["n_ctx"] = 64, ["n_embd"] = 64, ["n_head"] = 4,
            ["n_inner"] = null, ["n_layer"] = 2, ["n_positions"] = 64, ["reorder_and_upcast_attn"] = false,
            ["resid_pdrop"] = 0.1, ["scale_attn_by_inverse_layer_idx"] = false, ["scale_attn_weights"] = true,
            ["summary_activation"] = null, ["summary_first_dropout"] = 0.1, ["summary_proj_to_labels"] = true,
            ["summary_type"] = "cls_index", ["summary_use_proj"] = true, ["use_cache"] = true, ["vocab_size"] = 256,
        },
        ReferenceFamily.Llama => Common("LlamaForCausalLM", "llama", hiddenAct: "silu", tied: false, new JsonObject
        {
            ["attention_bias"] = false, ["head_dim"] = 16, ["mlp_bias"] = false, ["pretraining_tp"] = 1, ["rms_norm_eps"] = 1e-5,
            ["rope_scaling"] = new JsonObject
            {
                ["factor"] = 32.0, ["high_freq_factor"] = 4.0, ["low_freq_factor"] = 1.0,
                ["original_max_position_embeddings"] = 64, ["rope_type"] = "llama3",
            },
            ["rope_theta"] = 500000.0,
        }),
        ReferenceFamily.Mistral => Common("MistralForCausalLM", "mistral", hiddenAct: "silu", tied: false, new JsonObject
        {
            ["rms_norm_eps"] = 1e-5, ["rope_theta"] = 1000000.0, ["sliding_window"] = 4,
        }),
        ReferenceFamily.Qwen2 => Common("Qwen2ForCausalLM", "qwen2", hiddenAct: "silu", tied: true, new JsonObject
        {
            ["max_window_layers"] = 2, ["rms_norm_eps"] = 1e-6, ["rope_scaling"] = null, ["rope_theta"] = 1000000.0,
            ["sliding_window"] = 256, ["use_sliding_window"] = false,
        }),
        ReferenceFamily.Qwen3 => Common("Qwen3ForCausalLM", "qwen3", hiddenAct: "silu", tied: true, new JsonObject
        {
            // head_dim × heads ≠ hidden_size, as in Qwen3-0.6B (16 × 128 = 2048 over hidden 1024).
            ["attention_bias"] = false, ["head_dim"] = 24, ["max_window_layers"] = 2, ["rms_norm_eps"] = 1e-6,
            ["rope_scaling"] = null, ["rope_theta"] = 1000000.0, ["sliding_window"] = null, ["use_sliding_window"] = false,
        }),
        ReferenceFamily.Gemma2 => Common("Gemma2ForCausalLM", "gemma2", hiddenAct: "gelu_pytorch_tanh", tied: true, new JsonObject
        {
            ["attention_bias"] = false, ["attn_logit_softcapping"] = 5.0, ["cache_implementation"] = "hybrid",
            ["final_logit_softcapping"] = 10.0, ["head_dim"] = 16, ["hidden_activation"] = "gelu_pytorch_tanh",
            ["pad_token_id"] = 0, ["query_pre_attn_scalar"] = 24, ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 10000.0,
            ["sliding_window"] = 4,
        }, layers: 4, bos: 2, eos: 1),
        ReferenceFamily.Gemma3 => Common("Gemma3ForCausalLM", "gemma3_text", hiddenAct: null, tied: true, new JsonObject
        {
            ["attention_bias"] = false, ["attn_logit_softcapping"] = null, ["cache_implementation"] = "hybrid",
            ["final_logit_softcapping"] = null, ["head_dim"] = 16, ["hidden_activation"] = "gelu_pytorch_tanh",
            ["pad_token_id"] = 0, ["query_pre_attn_scalar"] = 24, ["rms_norm_eps"] = 1e-6, ["rope_local_base_freq"] = 10000.0,
            ["rope_scaling"] = new JsonObject { ["factor"] = 8.0, ["rope_type"] = "linear" }, ["rope_theta"] = 1000000.0,
            ["sliding_window"] = 4, ["sliding_window_pattern"] = 2,
        }, layers: 4, bos: 2, eos: 1),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown family"),
    };

    /// <summary>Writes a tiny random checkpoint of <paramref name="family"/> (its <see cref="Config(ReferenceFamily)"/>).</summary>
    public static ReferenceConfig Write(string folder, ReferenceFamily family, long seed = 1, ScalarType? storeAs = null) =>
        Write(folder, Config(family), seed, storeAs);

    /// <summary>
    /// Writes <paramref name="config"/> and random weights for it into <paramref name="folder"/>; returns the resolved config.
    /// </summary>
    /// <param name="folder">Created when missing.</param>
    /// <param name="config">A config.json object (see <see cref="Config(ReferenceFamily)"/>).</param>
    /// <param name="seed">Same seed and config, same values.</param>
    /// <param name="storeAs">Float32 (default) or BFloat16.</param>
    /// <param name="maxShardBytes">Shard the weights with an index when they exceed this.</param>
    /// <param name="generationConfig">Also write generation_config.json from the config's token ids.</param>
    public static ReferenceConfig Write(string folder, JsonObject config, long seed = 1, ScalarType? storeAs = null,
        long maxShardBytes = long.MaxValue, bool generationConfig = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dtype = storeAs ?? ScalarType.Float32;
        var written = (JsonObject)config.DeepClone();
        written["torch_dtype"] = dtype == ScalarType.BFloat16 ? "bfloat16" : "float32";
        written.TryAdd("transformers_version", TransformersVersion);
        var resolved = ReferenceConfig.Parse(written);

        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, "config.json"), written);
        if (generationConfig)
        {
            var generation = new JsonObject { ["_from_model_config"] = true };
            foreach (var key in new[] { "bos_token_id", "eos_token_id", "pad_token_id" })
            {
                if (written[key] is JsonNode id) generation[key] = id.DeepClone();
            }
            generation["transformers_version"] = TransformersVersion;
            WriteJson(Path.Combine(folder, "generation_config.json"), generation);
        }

        var random = new Random(unchecked((int)seed));
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var spec in ReferenceLayout.Tensors(resolved))
            {
                tensors.Add(new(spec.Name, tensor(Draw(spec, random), spec.Shape)));
            }
            CheckpointWeights.Save(folder, tensors, maxShardBytes, dtype);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
        return resolved;
    }

    /// <summary>Values for one tensor, drawn as the class remarks say.</summary>
    public static float[] Draw(ReferenceTensorSpec spec, Random random)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(random);
        var count = spec.Shape.Aggregate(1L, (a, b) => a * b);
        var (mean, std) = spec.Role switch
        {
            TensorRole.Embedding => (0.0, 1.0),
            TensorRole.Matrix => (0.0, 1.0 / Math.Sqrt(spec.FanIn)),
            TensorRole.Bias => (0.0, 0.1),
            TensorRole.Scale => (1.0, 0.1),
            _ => (0.0, 0.1),
        };
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            // Box–Muller: two uniforms give a standard normal.
            var u = 1.0 - random.NextDouble();
            var normal = Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = (float)(mean + std * normal);
        }
        return values;
    }

    /// <summary>Writes JSON as transformers does: keys sorted, two-space indent, a final newline.</summary>
    public static void WriteJson(string path, JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var sorted = new JsonObject();
        foreach (var (key, value) in json.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sorted[key] = value?.DeepClone();
        }
        var text = sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    private static JsonObject Common(string architecture, string modelType, string? hiddenAct, bool tied, JsonObject specific,
        int layers = 2, int bos = 1, int eos = 2)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture), ["attention_dropout"] = 0.0, ["bos_token_id"] = bos,
            ["eos_token_id"] = eos, ["hidden_size"] = 64, ["initializer_range"] = 0.02, ["intermediate_size"] = 128,
            ["max_position_embeddings"] = 256, ["model_type"] = modelType, ["num_attention_heads"] = 4,
            ["num_hidden_layers"] = layers, ["num_key_value_heads"] = 2, ["tie_word_embeddings"] = tied, ["use_cache"] = true,
            ["vocab_size"] = 256,
        };
        if (hiddenAct is not null) json["hidden_act"] = hiddenAct;
        foreach (var (key, value) in specific) json[key] = value?.DeepClone();
        return json;
    }
}
