using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;

namespace Steering.Vectors;

/// <summary>The vector builders (contract A): contrastive differences here.</summary>
public static class VectorBuilders
{
    /// <summary>The activation difference at the last token between <paramref name="positive"/> and <paramref name="negative"/>.</summary>
    public static VectorBuilder Diff(string positive, string negative) => MeanDiff(new[] { (positive, negative) });

    /// <summary>The mean activation difference at the last token over contrastive <paramref name="pairs"/>.</summary>
    /// <exception cref="ArgumentException">No pairs.</exception>
    public static VectorBuilder MeanDiff(IReadOnlyList<(string Positive, string Negative)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("a contrast vector needs at least one pair of prompts", nameof(pairs));
        return new Contrast(pairs.ToArray());
    }

    private sealed class Contrast((string Positive, string Negative)[] pairs) : VectorBuilder
    {
        public override SteeringVectors Build(HookedTransformer model, IReadOnlyList<HookPoint> points) =>
            new(ContrastVectors.Compute(model, points.Select(p => p.Name).ToList(), pairs));
    }
}
