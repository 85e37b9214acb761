using System.Collections.Generic;

namespace Steering.Schema;

/// <summary>The hook points a decoder-only transformer passes through, in forward order, derived from its sizes alone.</summary>
public static class HookCatalog
{
    private static readonly string[] Residual = { HookDims.Batch, HookDims.Pos, HookDims.DModel };
    private static readonly string[] Queries = { HookDims.Batch, HookDims.Pos, HookDims.NHeads, HookDims.DHead };
    private static readonly string[] KeysValues = { HookDims.Batch, HookDims.Pos, HookDims.NKvHeads, HookDims.DHead };
    private static readonly string[] Pattern = { HookDims.Batch, HookDims.NHeads, HookDims.QueryPos, HookDims.KeyPos };
    private static readonly string[] Hidden = { HookDims.Batch, HookDims.Pos, HookDims.DMlp };

    /// <summary>Every hook point of a decoder with <paramref name="dimensions"/> and the optional points of <paramref name="layout"/>.</summary>
    /// <param name="dimensions">The model's sizes.</param>
    /// <param name="layout">Which optional points the decoder has.</param>
    public static EquatableArray<HookPointInfo> ForDecoder(ModelDimensions dimensions, DecoderHookLayout layout)
    {
        var points = new List<HookPointInfo> { Point(HookSites.Embed, Residual) };
        if (layout.LearnedPositions)
            points.Add(Point(HookSites.PosEmbed, Residual));
        for (var layer = 0; layer < dimensions.NLayers; layer++)
        {
            string Name(string site) => HookNames.Block(layer, site);
            points.Add(Point(Name(HookSites.ResidPre), Residual));
            points.Add(Point(Name(HookSites.Ln1), Residual));
            points.Add(Point(Name(HookSites.AttnQ), Queries));
            points.Add(Point(Name(HookSites.AttnK), KeysValues));
            points.Add(Point(Name(HookSites.AttnV), KeysValues));
            if (layout.Rotary)
            {
                points.Add(Point(Name(HookSites.AttnRotQ), Queries));
                points.Add(Point(Name(HookSites.AttnRotK), KeysValues));
            }
            points.Add(Point(Name(HookSites.AttnScores), Pattern));
            points.Add(Point(Name(HookSites.AttnPattern), Pattern));
            points.Add(Point(Name(HookSites.AttnZ), Queries));
            if (layout.PostSublayerNorms)
                points.Add(Point(Name(HookSites.AttnOutPreNorm), Residual));
            points.Add(Point(Name(HookSites.AttnOut), Residual));
            points.Add(Point(Name(HookSites.ResidMid), Residual));
            points.Add(Point(Name(HookSites.Ln2), Residual));
            points.Add(Point(Name(HookSites.MlpPre), Hidden));
            if (layout.GatedMlp)
                points.Add(Point(Name(HookSites.MlpPreLinear), Hidden));
            points.Add(Point(Name(HookSites.MlpPost), Hidden));
            if (layout.PostSublayerNorms)
                points.Add(Point(Name(HookSites.MlpOutPreNorm), Residual));
            points.Add(Point(Name(HookSites.MlpOut), Residual));
            points.Add(Point(Name(HookSites.ResidPost), Residual));
        }
        points.Add(Point(HookSites.LnFinal, Residual));
        return new EquatableArray<HookPointInfo>(points);
    }

    private static HookPointInfo Point(string name, string[] dims) => new(name, new EquatableArray<string>(dims));
}
