using Steering.Hooks;
using Steering.Schema;

namespace Steering.Models;

/// <summary>
/// The hook points of one transformer block, looked up once when the model is built. The optional points are looked up
/// exactly when the hook layout says the block has them: the same description made the catalog, so a module that
/// needs a point finds it.
/// </summary>
internal sealed class BlockHookPoints
{
    public BlockHookPoints(HookPointCollection points, int layer, DecoderHookLayout layout)
    {
        HookPoint At(string site) => points[HookNames.Block(layer, site)];
        HookPoint? If(bool present, string site) => present ? At(site) : null;
        ResidPre = At(HookSites.ResidPre);
        Ln1 = At(HookSites.Ln1);
        Q = At(HookSites.AttnQ);
        K = At(HookSites.AttnK);
        V = At(HookSites.AttnV);
        RotQ = If(layout.Rotary, HookSites.AttnRotQ);
        RotK = If(layout.Rotary, HookSites.AttnRotK);
        Scores = At(HookSites.AttnScores);
        Pattern = At(HookSites.AttnPattern);
        Z = At(HookSites.AttnZ);
        AttnOutPreNorm = If(layout.PostSublayerNorms, HookSites.AttnOutPreNorm);
        AttnOut = At(HookSites.AttnOut);
        ResidMid = At(HookSites.ResidMid);
        Ln2 = At(HookSites.Ln2);
        MlpPre = At(HookSites.MlpPre);
        MlpPreLinear = If(layout.GatedMlp, HookSites.MlpPreLinear);
        MlpPost = At(HookSites.MlpPost);
        MlpOutPreNorm = If(layout.PostSublayerNorms, HookSites.MlpOutPreNorm);
        MlpOut = At(HookSites.MlpOut);
        ResidPost = At(HookSites.ResidPost);
    }

    public HookPoint ResidPre { get; }
    public HookPoint Ln1 { get; }
    public HookPoint Q { get; }
    public HookPoint K { get; }
    public HookPoint V { get; }
    /// <summary>Rotary models only.</summary>
    public HookPoint? RotQ { get; }
    /// <summary>Rotary models only.</summary>
    public HookPoint? RotK { get; }
    public HookPoint Scores { get; }
    public HookPoint Pattern { get; }
    public HookPoint Z { get; }
    /// <summary>Models with post-sublayer norms only.</summary>
    public HookPoint? AttnOutPreNorm { get; }
    public HookPoint AttnOut { get; }
    public HookPoint ResidMid { get; }
    public HookPoint Ln2 { get; }
    public HookPoint MlpPre { get; }
    /// <summary>Gated MLPs only.</summary>
    public HookPoint? MlpPreLinear { get; }
    public HookPoint MlpPost { get; }
    /// <summary>Models with post-sublayer norms only.</summary>
    public HookPoint? MlpOutPreNorm { get; }
    public HookPoint MlpOut { get; }
    public HookPoint ResidPost { get; }
}
