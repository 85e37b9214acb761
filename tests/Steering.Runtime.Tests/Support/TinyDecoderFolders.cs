using System;

namespace Steering.Tests.Support;

/// <summary>A model folder a test class shares, with the model loaded from it once.</summary>
public interface IModelFolder
{
    /// <summary>The Hugging Face folder.</summary>
    string Path { get; }

    /// <summary>The model loaded from <see cref="Path"/>.</summary>
    HookedTransformer Model { get; }
}

/// <summary>A random checkpoint made from a config.json text, saved in Hugging Face layout, loaded back from disk.</summary>
public abstract class RandomModelFolder : IModelFolder, IDisposable
{
    private readonly TempDirectory _folder = new();

    protected RandomModelFolder(string configJson, long seed = 1)
    {
        using (var model = HookedTransformer.CreateRandom(configJson, seed))
            model.Save(_folder.Path);
        Model = HookedTransformer.Load(_folder.Path);
    }

    public string Path => _folder.Path;

    public HookedTransformer Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        _folder.Dispose();
    }
}

/// <summary>Tiny random checkpoints of every Llama-shaped family and Gemma: 2-4 layers, d_model 48, vocabulary 512.</summary>
public static class TinyDecoderFolders
{
    /// <summary>Llama 3.1-style: grouped-query attention (4 query, 2 key/value heads), untied, llama3 rope scaling.</summary>
    public const string LlamaConfig = """
        { "model_type": "llama", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
          "rope_theta": 500000.0, "bos_token_id": 1, "eos_token_id": [2, 3], "tie_word_embeddings": false,
          "rope_scaling": { "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_max_position_embeddings": 16 } }
        """;

    /// <summary>Llama with tied embeddings, attention and MLP biases, linear rope scaling and an explicit head_dim.</summary>
    public const string TiedLlamaConfig = """
        { "model_type": "llama", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 8, "max_position_embeddings": 64,
          "tie_word_embeddings": true, "attention_bias": true, "mlp_bias": true, "pad_token_id": 0,
          "rope_scaling": { "type": "linear", "factor": 2.0 } }
        """;

    /// <summary>Mistral with a 3-position sliding window (the prompts are longer).</summary>
    public const string MistralConfig = """
        { "model_type": "mistral", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 1, "max_position_embeddings": 64, "sliding_window": 3 }
        """;

    /// <summary>Qwen2: q/k/v biases, a 4-position sliding window on layer 1 (max_window_layers 1), tied embeddings.</summary>
    public const string Qwen2Config = """
        { "model_type": "qwen2", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "rope_theta": 1000000.0,
          "use_sliding_window": true, "sliding_window": 4, "max_window_layers": 1, "tie_word_embeddings": true,
          "bos_token_id": 500, "eos_token_id": 501 }
        """;

    /// <summary>Qwen3: per-head q/k RMSNorm, head_dim 16 (heads × head_dim = 64 ≠ d_model 48).</summary>
    public const string Qwen3Config = """
        { "model_type": "qwen3", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "max_position_embeddings": 64,
          "tie_word_embeddings": true, "eos_token_id": 511 }
        """;

    /// <summary>
    /// Gemma 2: (1 + w) norms, post-sublayer norms, embeddings × √48, query_pre_attn_scalar 24, attention and final
    /// soft-caps small enough to bite, a 3-position window on layers 0 and 2, head_dim 16 (64 ≠ d_model 48).
    /// </summary>
    public const string Gemma2Config = """
        { "model_type": "gemma2", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 4,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "max_position_embeddings": 64,
          "query_pre_attn_scalar": 24, "attn_logit_softcapping": 2.0, "final_logit_softcapping": 3.0, "sliding_window": 3,
          "eos_token_id": [1, 107] }
        """;

    /// <summary>
    /// Gemma 3: q/k norms, a 3-position window on every layer but each third (sliding_window_pattern 3), local layers with
    /// their own rotary base, global layers with linear rope scaling, untied.
    /// </summary>
    public const string Gemma3Config = """
        { "model_type": "gemma3_text", "vocab_size": 512, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 3,
          "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 16, "max_position_embeddings": 64,
          "query_pre_attn_scalar": 16, "sliding_window": 3, "sliding_window_pattern": 3, "rope_theta": 1000000.0,
          "rope_local_base_freq": 10000.0, "rope_scaling": { "rope_type": "linear", "factor": 8.0 }, "tie_word_embeddings": false }
        """;

    public sealed class Llama() : RandomModelFolder(LlamaConfig);

    public sealed class TiedLlamaWithBiases() : RandomModelFolder(TiedLlamaConfig);

    public sealed class Mistral() : RandomModelFolder(MistralConfig);

    public sealed class Qwen2() : RandomModelFolder(Qwen2Config);

    public sealed class Qwen3() : RandomModelFolder(Qwen3Config);

    public sealed class Gemma2() : RandomModelFolder(Gemma2Config);

    public sealed class Gemma3() : RandomModelFolder(Gemma3Config);
}
