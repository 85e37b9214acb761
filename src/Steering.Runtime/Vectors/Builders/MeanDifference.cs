using System.Collections.Generic;
using Steering.Activations;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// The mean over pairs of positive − negative activations (contrastive activation addition, CAA); with one pair, the
/// difference of two prompts (the reference's "Love" − "Hate").
/// </summary>
public sealed class MeanDifference : ContrastBuilder
{
    /// <summary>A mean-difference builder over <paramref name="pairs"/>.</summary>
    public MeanDifference(IReadOnlyList<ContrastPair> pairs, TokenReduction? reduction = null, CollectionOptions? collection = null)
        : base(pairs, reduction, collection) { }

    /// <inheritdoc/>
    public override string Method => Pairs.Count == 1 ? "diff" : "mean-diff";

    /// <inheritdoc/>
    protected override Tensor Direction(Tensor positives, Tensor negatives) => (positives - negatives).mean(new long[] { 0 });
}
