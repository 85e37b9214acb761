using Steering.Checkpoints;
using Steering.Tokenization;

namespace Steering.Models.Gpt2;

/// <summary>
/// The GPT-2 family (gpt2, gpt2-medium/large/xl, distilgpt2), numerically as Hugging Face's GPT2LMHeadModel computes
/// it, with TransformerLens hook points. Everything but its config and its random initialization is the shared
/// <see cref="HookedTransformer"/>.
/// </summary>
public sealed class Gpt2Model : HookedTransformer
{
    internal Gpt2Model(ModelParts parts, Gpt2Config config) : base(parts) => Config = config;

    /// <summary>The checkpoint's settings.</summary>
    public Gpt2Config Config { get; }

    /// <summary>Loads a GPT-2 checkpoint folder.</summary>
    /// <exception cref="CheckpointException">A file is missing or malformed, tensors are missing or misshapen, or the folder holds another architecture.</exception>
    public static new Gpt2Model Load(string folder, ModelLoadOptions? options = null)
    {
        var model = HookedTransformer.Load(folder, options);
        if (model is Gpt2Model gpt2) return gpt2;
        model.Dispose();
        throw new CheckpointException(folder, $"holds a {model.Layout.ModelType} model, not GPT-2");
    }

    /// <summary>
    /// A model with freshly initialized weights, as Hugging Face initializes GPT-2 (normal(0, 0.02); output projections
    /// scaled by 1/√(2·n_layer); layer norms 1 and 0). Same seed, same weights. Without <paramref name="tokenizer"/> it
    /// uses the GPT-2 tokenizer shipped with Microsoft.ML.Tokenizers.
    /// </summary>
    public static Gpt2Model CreateRandom(Gpt2Config config, long seed, ModelLoadOptions? options = null, TextTokenizer? tokenizer = null)
    {
        System.ArgumentNullException.ThrowIfNull(config);
        options ??= new ModelLoadOptions();
        var family = new Gpt2Family();
        var read = Gpt2Family.ModelConfigOf(config);
        var tokens = new SpecialTokenIds(config.BosTokenId, new[] { config.EosTokenId }, null);
        var parts = Architectures.Parts(family, read, tokens, options, options.Name ?? "gpt2-random",
            TokenizerLookup.Of(tokenizer ?? TextTokenizer.Gpt2));
        return (Gpt2Model)Architectures.CreateRandom(parts, seed);
    }
}
