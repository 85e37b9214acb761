using System.Collections.Generic;
using Steering.Activations;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// The first principal component of the pairs' differences positive − negative (repeng's <c>pca_diff</c>), as a unit
/// vector whose sign makes positives project above their negatives in most pairs. The differences are not centered:
/// when they agree, the direction they share is the one wanted, and centering would remove it.
/// </summary>
public sealed class PrincipalComponent : ContrastBuilder
{
    /// <summary>A PCA builder over <paramref name="pairs"/> (at least two make a component worth having).</summary>
    public PrincipalComponent(IReadOnlyList<ContrastPair> pairs, TokenReduction? reduction = null, CollectionOptions? collection = null)
        : base(pairs, reduction, collection) { }

    /// <inheritdoc/>
    public override string Method => "pca";

    /// <inheritdoc/>
    protected override Tensor Direction(Tensor positives, Tensor negatives) => FirstComponent(positives - negatives);

    /// <summary>
    /// The unit top right-singular vector of <paramref name="differences"/> [rows, features] (the top eigenvector of
    /// DᵀD), signed so that most rows project positively on it (ties: the mean row does).
    /// </summary>
    /// <exception cref="SteeringException">Every difference is zero.</exception>
    public static Tensor FirstComponent(Tensor differences)
    {
        using var scope = NewDisposeScope();
        var d = differences.to(ScalarType.Float64);
        if (!(d.abs().max().item<double>() > 0)) throw new SteeringException("every positive equals its negative; there is no direction to find");
        var (_, _, vh) = linalg.svd(d, fullMatrices: false);
        var component = vh[0];
        var projections = d.matmul(component);
        var above = projections.gt(0).sum().item<long>();
        var below = projections.lt(0).sum().item<long>();
        var flip = below > above || (below == above && projections.sum().item<double>() < 0);
        return (flip ? -component : component).MoveToOuterDisposeScope();
    }
}
