using System;
using System.Collections.Generic;
using Steering.Checkpoints;
using Steering.Hooks;
using TorchSharp;

namespace Steering.Models;

/// <summary>
/// What one architecture family contributes, and all it contributes: a config reader (config.json → layout), its
/// network (the generic <see cref="Decoder.CausalLmNetwork"/> for every family but GPT-2), its weight-name map and
/// Hugging Face's random initialization. Loading, saving, the size guard, special tokens, tokenizers, hooks and
/// generation are shared. Register a new family in <see cref="Architectures"/>.
/// </summary>
internal abstract class DecoderFamily
{
    /// <summary>The <c>model_type</c> values this family reads.</summary>
    public abstract IReadOnlyList<string> ModelTypes { get; }

    /// <summary>Reads config.json: the layout, and how to write the config back.</summary>
    /// <exception cref="CheckpointException">A value is missing, malformed or unsupported (the message names the key).</exception>
    public abstract ModelConfig ReadConfig(ConfigJson config);

    /// <summary>The family's network for <paramref name="layout"/>, parameters uninitialized.</summary>
    public abstract DecoderNetwork CreateNetwork(DecoderLayout layout, HookPointCollection hooks);

    /// <summary>The checkpoint names of <paramref name="network"/>'s parameters.</summary>
    public abstract WeightMap WeightMap(DecoderLayout layout, DecoderNetwork network);

    /// <summary>Fills <paramref name="network"/> (float32, CPU) as Hugging Face's <c>_init_weights</c> would.</summary>
    public abstract void Initialize(DecoderNetwork network, DecoderLayout layout, SpecialTokenIds tokens, torch.Generator generator);

    /// <summary>The model object; GPT-2 returns its own subclass.</summary>
    public virtual HookedTransformer Create(ModelParts parts) => new(parts);
}

/// <summary>A read config.json: the layout, the special tokens its config class defaults to, and how to write it back.</summary>
/// <param name="Layout">The decoder's shape.</param>
/// <param name="DefaultBos">The config class's <c>bos_token_id</c> when the files name none.</param>
/// <param name="DefaultEos">The config class's <c>eos_token_id</c> when the files name none.</param>
/// <param name="ToJson">config.json text for these special tokens, as <c>save_pretrained</c> writes it.</param>
internal record ModelConfig(DecoderLayout Layout, int? DefaultBos, int? DefaultEos, Func<SpecialTokenIds, string> ToJson);

/// <summary>Everything a model is made of before its weights are filled.</summary>
internal sealed record ModelParts(
    DecoderFamily Family, ModelConfig Config, SpecialTokenIds Tokens, string Name, ModelLoadOptions Options, TokenizerSource Tokenizer);
