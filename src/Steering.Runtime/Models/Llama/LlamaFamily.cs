using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Steering.Checkpoints;
using Steering.Hooks;
using Steering.Models.Decoder;
using static TorchSharp.torch;

namespace Steering.Models.Llama;

/// <summary>
/// The Llama-shaped families — <c>llama</c>, <c>mistral</c>, <c>qwen2</c>, <c>qwen3</c> — on the generic
/// <see cref="CausalLmNetwork"/>: their config readers (<see cref="LlamaConfigReader"/>), Hugging Face tensor names (our
/// module paths are those names), and Hugging Face's initialization.
/// </summary>
internal sealed partial class LlamaFamily : DecoderFamily
{
    public override IReadOnlyList<string> ModelTypes => LlamaConfigReader.ModelTypes;

    public override ModelConfig ReadConfig(ConfigJson config) => LlamaConfigReader.Read(config);

    public override DecoderNetwork CreateNetwork(DecoderLayout layout, HookPointCollection hooks) => new CausalLmNetwork(layout, hooks);

    public override WeightMap WeightMap(DecoderLayout layout, DecoderNetwork network) =>
        Models.WeightMap.Identity(network.named_parameters().Select(p => p.name), Array.Empty<string>(), "", Ignorable(layout));

    /// <summary>
    /// normal(0, initializer_range) for projections and the embedding (its padding row zero, as nn.Embedding with a
    /// padding_idx), zero biases, norms at 1 (at 0 for (1 + weight) norms).
    /// </summary>
    public override void Initialize(DecoderNetwork network, DecoderLayout layout, SpecialTokenIds tokens, Generator generator)
    {
        using (no_grad())
        {
            foreach (var (name, parameter) in network.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
                else if (parameter.dim() == 1) parameter.fill_(layout.NormWeightPlusOne ? 0.0 : 1.0);
                else parameter.normal_(0, layout.InitializerRange, generator);
            }
            if (tokens.Pad is int pad && pad >= 0 && pad < layout.Dimensions.DVocab)
                network.named_parameters().First(p => p.name == "model.embed_tokens.weight").parameter[pad].zero_();
        }
    }

    /// <summary>Rotary <c>inv_freq</c> buffers older checkpoints store, and <c>lm_head.weight</c> when the embedding is tied.</summary>
    private static Regex Ignorable(DecoderLayout layout) => layout.TiedEmbeddings ? TiedIgnorable() : UntiedIgnorable();

    [GeneratedRegex(@"(^|\.)rotary_emb\.inv_freq$|^lm_head\.weight$")]
    private static partial Regex TiedIgnorable();

    [GeneratedRegex(@"(^|\.)rotary_emb\.inv_freq$")]
    private static partial Regex UntiedIgnorable();
}
