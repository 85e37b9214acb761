using System.Collections.Generic;
using System.Text.RegularExpressions;
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
internal sealed partial class GemmaFamily : DecoderFamily
{
    private static readonly LlamaFamily LlamaShaped = new();

    public override IReadOnlyList<string> ModelTypes => GemmaConfigReader.ModelTypes;

    public override ModelConfig ReadConfig(ConfigJson config) => GemmaConfigReader.Read(config);

    public override DecoderNetwork CreateNetwork(DecoderLayout layout, HookPointCollection hooks) => LlamaShaped.CreateNetwork(layout, hooks);

    /// <summary>
    /// The Llama-shaped map, also accepting a multimodal Gemma 3 checkpoint (transformers 4.50's layout): the text
    /// model's tensors under <c>language_model.</c>, the vision tower's and projector's ignored.
    /// </summary>
    public override WeightMap WeightMap(DecoderLayout layout, DecoderNetwork network)
    {
        var map = LlamaShaped.WeightMap(layout, network);
        return new WeightMap(map.Entries, [.. map.LoadPrefixes, MultimodalPrefix], map.SavePrefix,
            new Regex($"{map.Ignorable}|{VisionTensors()}", RegexOptions.CultureInvariant));
    }

    private const string MultimodalPrefix = "language_model.";

    [GeneratedRegex(@"^(vision_tower|multi_modal_projector)\.|^language_model\.lm_head\.weight$")]
    private static partial Regex VisionTensors();

    public override void Initialize(DecoderNetwork network, DecoderLayout layout, SpecialTokenIds tokens, torch.Generator generator) =>
        LlamaShaped.Initialize(network, layout, tokens, generator);
}
