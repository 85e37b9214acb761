using Steering.Hooks;
using Steering.Schema;

namespace Steering.Models;

/// <summary>The hook points of one transformer block, looked up once when the model is built.</summary>
internal sealed class BlockHookPoints
{
    public BlockHookPoints(HookPointCollection points, int layer)
    {
        HookPoint At(string site) => points[HookNames.Block(layer, site)];
        ResidPre = At(HookSites.ResidPre);
        Ln1 = At(HookSites.Ln1);
        Q = At(HookSites.AttnQ);
        K = At(HookSites.AttnK);
        V = At(HookSites.AttnV);
        Scores = At(HookSites.AttnScores);
        Pattern = At(HookSites.AttnPattern);
        Z = At(HookSites.AttnZ);
        AttnOut = At(HookSites.AttnOut);
        ResidMid = At(HookSites.ResidMid);
        Ln2 = At(HookSites.Ln2);
        MlpPre = At(HookSites.MlpPre);
        MlpPost = At(HookSites.MlpPost);
        MlpOut = At(HookSites.MlpOut);
        ResidPost = At(HookSites.ResidPost);
    }

    public HookPoint ResidPre { get; }
    public HookPoint Ln1 { get; }
    public HookPoint Q { get; }
    public HookPoint K { get; }
    public HookPoint V { get; }
    public HookPoint Scores { get; }
    public HookPoint Pattern { get; }
    public HookPoint Z { get; }
    public HookPoint AttnOut { get; }
    public HookPoint ResidMid { get; }
    public HookPoint Ln2 { get; }
    public HookPoint MlpPre { get; }
    public HookPoint MlpPost { get; }
    public HookPoint MlpOut { get; }
    public HookPoint ResidPost { get; }
}
