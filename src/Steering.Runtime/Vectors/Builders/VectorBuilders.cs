using System.Collections.Generic;
using Steering.Activations;

namespace Steering.Vectors;

/// <summary>The vector builders by method: each makes vectors for many points from the same runs of the model.</summary>
public static class VectorBuilders
{
    /// <summary>The difference of two prompts' activations at their last tokens (the reference's "Love" − "Hate").</summary>
    public static VectorBuilder Diff(PromptInput positive, PromptInput negative) =>
        new MeanDifference(new[] { new ContrastPair(positive, negative) });

    /// <summary>The mean over pairs of positive − negative (CAA); chat pairs read the answers' tokens when <paramref name="reduction"/> says so.</summary>
    public static VectorBuilder MeanDiff(IReadOnlyList<ContrastPair> pairs, TokenReduction? reduction = null, CollectionOptions? collection = null) =>
        new MeanDifference(pairs, reduction, collection);

    /// <summary>The first principal component of the differences, signed so positives project above negatives (repeng); a unit vector.</summary>
    public static VectorBuilder Pca(IReadOnlyList<ContrastPair> pairs, TokenReduction? reduction = null, CollectionOptions? collection = null) =>
        new PrincipalComponent(pairs, reduction, collection);

    /// <summary>The unit weight vector of a logistic-regression probe telling positives from negatives (L2 penalty <paramref name="l2"/>).</summary>
    public static VectorBuilder Probe(IReadOnlyList<ContrastPair> pairs, double l2 = 1e-3, TokenReduction? reduction = null, CollectionOptions? collection = null) =>
        new LinearProbe(pairs, l2, reduction, collection);

    /// <summary>A vector trained by gradient on the frozen model to raise the log-probability of target completions (see <see cref="GradientVectorTrainer"/>).</summary>
    public static VectorBuilder Gradient(IReadOnlyList<TrainingTarget> targets, GradientTrainingOptions? options = null) =>
        new GradientVectorTrainer(targets, options);
}
