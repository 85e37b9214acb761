namespace Steering.Schema;

/// <summary>
/// The sites of a transformer block, as the part of a hook name after <c>blocks.{i}.</c>, and the model-level points.
/// Listed in the order a forward pass reaches them.
/// </summary>
public static class HookSites
{
    /// <summary>Token embeddings, <c>[batch, pos, d_model]</c>.</summary>
    public const string Embed = "embed";
    /// <summary>Learned position embeddings, <c>[batch, pos, d_model]</c> (models with absolute positions).</summary>
    public const string PosEmbed = "pos_embed";
    /// <summary>The final layer norm's output, <c>[batch, pos, d_model]</c>.</summary>
    public const string LnFinal = "ln_final";

    /// <summary>The residual stream entering the block.</summary>
    public const string ResidPre = "resid_pre";
    /// <summary>The first layer norm's output (what attention reads).</summary>
    public const string Ln1 = "ln1";
    /// <summary>Queries, <c>[batch, pos, n_heads, d_head]</c>.</summary>
    public const string AttnQ = "attn.q";
    /// <summary>Keys, <c>[batch, pos, n_kv_heads, d_head]</c>.</summary>
    public const string AttnK = "attn.k";
    /// <summary>Values, <c>[batch, pos, n_kv_heads, d_head]</c>.</summary>
    public const string AttnV = "attn.v";
    /// <summary>
    /// Queries after the query norm (Qwen3, Gemma 3) and the rotary embedding, <c>[batch, pos, n_heads, d_head]</c>
    /// (rotary models only): what the scores are computed from.
    /// </summary>
    public const string AttnRotQ = "attn.rot_q";
    /// <summary>Keys after the key norm and the rotary embedding, <c>[batch, pos, n_kv_heads, d_head]</c> (rotary models only).</summary>
    public const string AttnRotK = "attn.rot_k";
    /// <summary>Scaled, masked attention scores before the softmax, <c>[batch, n_heads, q_pos, k_pos]</c>.</summary>
    public const string AttnScores = "attn.scores";
    /// <summary>Attention probabilities, <c>[batch, n_heads, q_pos, k_pos]</c>.</summary>
    public const string AttnPattern = "attn.pattern";
    /// <summary>Per-head attention results before the output projection, <c>[batch, pos, n_heads, d_head]</c>.</summary>
    public const string AttnZ = "attn.z";
    /// <summary>
    /// The attention's output projection before the post-attention norm, <c>[batch, pos, d_model]</c> (models with
    /// post-sublayer norms: Gemma 2/3).
    /// </summary>
    public const string AttnOutPreNorm = "attn.out_pre_norm";
    /// <summary>The attention sublayer's output, added to the residual stream (after the post-attention norm where there is one).</summary>
    public const string AttnOut = "attn_out";
    /// <summary>The residual stream between attention and MLP.</summary>
    public const string ResidMid = "resid_mid";
    /// <summary>The second layer norm's output (what the MLP reads).</summary>
    public const string Ln2 = "ln2";
    /// <summary>The MLP's pre-activation (the gate projection in gated MLPs), <c>[batch, pos, d_mlp]</c>.</summary>
    public const string MlpPre = "mlp.pre";
    /// <summary>The up projection of a gated MLP, <c>[batch, pos, d_mlp]</c>.</summary>
    public const string MlpPreLinear = "mlp.pre_linear";
    /// <summary>The MLP's hidden activation after the nonlinearity (and gate), <c>[batch, pos, d_mlp]</c>.</summary>
    public const string MlpPost = "mlp.post";
    /// <summary>
    /// The MLP's down projection before the post-feedforward norm, <c>[batch, pos, d_model]</c> (models with
    /// post-sublayer norms: Gemma 2/3).
    /// </summary>
    public const string MlpOutPreNorm = "mlp.out_pre_norm";
    /// <summary>The MLP sublayer's output, added to the residual stream (after the post-feedforward norm where there is one).</summary>
    public const string MlpOut = "mlp_out";
    /// <summary>The residual stream leaving the block.</summary>
    public const string ResidPost = "resid_post";
}
