using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Models.Gemma;
using Steering.Models.Gpt2;
using Steering.Models.Llama;
using TorchSharp.Modules;

namespace Steering.Export;

/// <summary>
/// What folding and GGUF export need to know about one architecture: its weights by Hugging Face name, where a constant
/// addition at each hook point folds into them, and llama.cpp's name, layout and metadata for them. One subclass per
/// architecture; adding a family means adding one.
/// </summary>
internal abstract class ExportArchitecture
{
    /// <summary>Reads the model's parameters by their Hugging Face checkpoint names (the model's <see cref="HookedTransformer.WeightMap"/>).</summary>
    protected ExportArchitecture(HookedTransformer model) =>
        Weights = model.NamedParameters().ToDictionary(p => model.WeightMap.CheckpointName(p.Name), p => p.Parameter, StringComparer.Ordinal);

    /// <summary>The export description of <paramref name="model"/>'s architecture.</summary>
    /// <exception cref="SteeringException">An architecture export does not cover yet.</exception>
    public static ExportArchitecture For(HookedTransformer model) => model switch
    {
        Gpt2Model gpt2 => new Gpt2Export(gpt2),
        _ when LlamaConfigReader.ModelTypes.Contains(model.Layout.ModelType) || GemmaConfigReader.ModelTypes.Contains(model.Layout.ModelType) => new LlamaExport(model),
        _ => throw new SteeringException(
            $"folding and GGUF export do not cover {model.Layout.ModelType} models yet (supported: {Gpt2Config.ModelType}, {string.Join(", ", LlamaConfigReader.ModelTypes.Concat(GemmaConfigReader.ModelTypes))})"),
    };

    /// <summary>The model's parameters by Hugging Face checkpoint name (without a save prefix such as GPT-2's <c>transformer.</c>).</summary>
    public IReadOnlyDictionary<string, Parameter> Weights { get; }

    /// <summary>
    /// The rule that folds an addition at <paramref name="site"/> of block <paramref name="layer"/> (null for model-level
    /// points), or null with <paramref name="refusal"/> saying why it cannot fold exactly.
    /// </summary>
    public abstract FoldRule? FoldRuleFor(int? layer, string site, out string refusal);

    /// <summary>
    /// The config.json flag (e.g. <c>attention_bias</c>) that, set true, gives this model the bias an addition at
    /// <paramref name="site"/> of block <paramref name="layer"/> folds into; null when the addition folds already, cannot
    /// fold at all, or the family's config has no such flag.
    /// </summary>
    public virtual string? BiasFlagFor(int? layer, string site) => null;

    /// <summary>llama.cpp's <c>general.architecture</c> for this model.</summary>
    public abstract string GgufArchitecture { get; }

    /// <summary>
    /// Adds the architecture's metadata (sizes, tokenizer) to <paramref name="writer"/>, or throws when llama.cpp's
    /// implementation would compute something else than this model does.
    /// </summary>
    /// <exception cref="SteeringException">A setting llama.cpp's architecture lacks.</exception>
    public abstract void AddGgufMetadata(GgufWriter writer);

    /// <summary>The tensors in llama.cpp's names and PyTorch-order layouts (views of the weights where possible), in file order.</summary>
    public abstract IEnumerable<GgufTensor> GgufTensors();
}

/// <summary>A tensor for a GGUF model file: llama.cpp's name and the values in PyTorch order.</summary>
/// <param name="Name">llama.cpp's name, e.g. <c>blk.0.attn_qkv.weight</c>.</param>
/// <param name="Values">The values (a view or a new tensor).</param>
internal sealed record GgufTensor(string Name, TorchSharp.torch.Tensor Values);
