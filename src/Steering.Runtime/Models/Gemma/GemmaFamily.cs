using System.Collections.Generic;
using Steering.Checkpoints;
using Steering.Hooks;
using Steering.Models.Llama;
using TorchSharp;

namespace Steering.Models.Gemma;

/// <summary>
/// Gemma 2 and Gemma 3 (text): their own config reader (<see cref="GemmaConfigReader"/>); everything else is the
/// Llama-shaped families' — the generic network (the layout switches on Gemma's norms, scales and caps), tensor names
/// (Gemma checkpoints name tensors as Llama's do, plus <c>pre_feedforward_layernorm</c>, <c>post_feedforward_layernorm</c>,
/// <c>q_norm</c>, <c>k_norm</c>, which are our module paths too) and initialization (Gemma's norm weights start at 0).
/// </summary>
internal sealed class GemmaFamily : DecoderFamily
{
    private static readonly LlamaFamily LlamaShaped = new();

    public override IReadOnlyList<string> ModelTypes => GemmaConfigReader.ModelTypes;

    public override ModelConfig ReadConfig(ConfigJson config) => GemmaConfigReader.Read(config);

    public override DecoderNetwork CreateNetwork(DecoderLayout layout, HookPointCollection hooks) => LlamaShaped.CreateNetwork(layout, hooks);

    public override WeightMap WeightMap(DecoderLayout layout, DecoderNetwork network) => LlamaShaped.WeightMap(layout, network);

    public override void Initialize(DecoderNetwork network, DecoderLayout layout, SpecialTokens tokens, torch.Generator generator) =>
        LlamaShaped.Initialize(network, layout, tokens, generator);
}
