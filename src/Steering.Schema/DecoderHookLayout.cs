namespace Steering.Schema;

/// <summary>
/// Which optional hook points a decoder has. The runtime derives it from the model's full description
/// (<c>Steering.Models.DecoderLayout.HookLayout</c>), the same description that builds the network, so the catalog and
/// the forward pass cannot disagree. Everything else a decoder's blocks pass through is always there.
/// </summary>
/// <param name="LearnedPositions">Learned absolute positions (GPT-2): adds <see cref="HookSites.PosEmbed"/>.</param>
/// <param name="Rotary">Rotary position embeddings (Llama and later): adds <see cref="HookSites.AttnRotQ"/> and <see cref="HookSites.AttnRotK"/>.</param>
/// <param name="GatedMlp">A gated MLP (Llama's SwiGLU, Gemma's GeGLU): adds <see cref="HookSites.MlpPreLinear"/>.</param>
/// <param name="PostSublayerNorms">
/// Norms on the sublayers' outputs before they reach the residual stream (Gemma 2/3): adds
/// <see cref="HookSites.AttnOutPreNorm"/> and <see cref="HookSites.MlpOutPreNorm"/>; <c>attn_out</c>/<c>mlp_out</c>
/// then hold the normalized outputs, what is added to the residual stream.
/// </param>
public sealed record DecoderHookLayout(bool LearnedPositions, bool Rotary, bool GatedMlp, bool PostSublayerNorms);
