using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Steering.Checkpoints;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>
/// GPT-2 as a family: its config reader, its own network (fused <c>c_attn</c> and Conv1D weights stored [in, out], so
/// checkpoints load without transposes and its numerics stay exactly Hugging Face's), tensor names as the hub stores
/// them (<c>h.0.attn.c_attn.weight</c>, optionally under <c>transformer.</c>), and GPT-2's initialization.
/// </summary>
internal sealed partial class Gpt2Family : DecoderFamily
{
    /// <summary>The prefix <c>save_pretrained</c> writes before every tensor name (the hub's gpt2 files have none).</summary>
    private const string SavedPrefix = "transformer.";

    public override IReadOnlyList<string> ModelTypes { get; } = new[] { Gpt2Config.ModelType };

    public override ModelConfig ReadConfig(ConfigJson config) => ModelConfigOf(Gpt2Config.Read(config));

    /// <summary>The layout and config writer of <paramref name="config"/>; GPT2Config's token defaults are 50256.</summary>
    internal static Gpt2ModelConfig ModelConfigOf(Gpt2Config config) => new(config);

    public override DecoderNetwork CreateNetwork(DecoderLayout layout, HookPointCollection hooks) =>
        new Gpt2Network(layout, hooks);

    public override WeightMap WeightMap(DecoderLayout layout, DecoderNetwork network) =>
        Models.WeightMap.Identity(network.named_parameters().Select(p => p.name), new[] { SavedPrefix }, SavedPrefix, KnownUnusedTensor());

    public override void Initialize(DecoderNetwork network, DecoderLayout layout, SpecialTokenIds tokens, Generator generator)
    {
        var projectionStd = layout.InitializerRange / Math.Sqrt(2.0 * layout.Dimensions.NLayers);
        using (no_grad())
        {
            foreach (var (name, parameter) in network.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
                else if (name.Contains("ln_", StringComparison.Ordinal)) parameter.fill_(1.0);
                else parameter.normal_(0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? projectionStd : layout.InitializerRange, generator);
            }
        }
    }

    public override HookedTransformer Create(ModelParts parts) =>
        new Gpt2Model(parts, ((Gpt2ModelConfig)parts.Config).Gpt2);

    /// <summary>
    /// Tensors GPT-2 checkpoints carry that are not parameters: older hub files store the causal mask buffers
    /// (<c>attn.bias</c>, <c>attn.masked_bias</c>), and some store the tied <c>lm_head.weight</c>.
    /// </summary>
    [GeneratedRegex(@"^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$|^lm_head\.weight$")]
    private static partial Regex KnownUnusedTensor();
}

/// <summary>A read GPT-2 config: the generic parts plus the <see cref="Gpt2Config"/> the model exposes.</summary>
internal sealed record Gpt2ModelConfig(Gpt2Config Gpt2) : ModelConfig(
    Gpt2.ToLayout(), Gpt2.BosTokenId, Gpt2.EosTokenId,
    tokens => (Gpt2 with { BosTokenId = tokens.Bos ?? Gpt2.BosTokenId, EosTokenId = tokens.Eos.Count > 0 ? tokens.Eos[0] : Gpt2.EosTokenId }).ToJson());
