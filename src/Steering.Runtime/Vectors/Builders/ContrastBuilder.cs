using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Activations;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// A builder from contrastive pairs: every positive and negative prompt is run once (batched, through
/// <see cref="ActivationCollector"/>), and each point's vector is a function of the two [pairs, features] matrices.
/// </summary>
public abstract class ContrastBuilder : VectorBuilder
{
    /// <summary>A builder over <paramref name="pairs"/>, reading each prompt as <paramref name="reduction"/> says (default: the last token).</summary>
    /// <exception cref="SteeringException">No pairs.</exception>
    protected ContrastBuilder(IReadOnlyList<ContrastPair> pairs, TokenReduction? reduction, CollectionOptions? collection)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new SteeringException("a contrast vector needs at least one pair of prompts");
        Pairs = pairs.ToArray();
        Reduction = reduction ?? TokenReduction.LastToken;
        Collection = collection ?? new CollectionOptions();
    }

    /// <summary>The pairs.</summary>
    public IReadOnlyList<ContrastPair> Pairs { get; }

    /// <summary>How each prompt's activations become one vector.</summary>
    public TokenReduction Reduction { get; }

    /// <summary>Batching, result dtype and progress of the runs.</summary>
    public CollectionOptions Collection { get; }

    /// <inheritdoc/>
    public override SteeringVectors Build(HookedTransformer model, IReadOnlyList<HookPoint> points)
    {
        CheckPoints(model, points);
        var prompts = Pairs.Select(p => p.Positive).Concat(Pairs.Select(p => p.Negative)).ToList();
        using var collected = ActivationCollector.Collect(model, prompts, points, Reduction, Collection with { DType = ScalarType.Float64, Device = CPU });
        using var scope = NewDisposeScope();
        var vectors = points.Distinct().Select(point =>
        {
            var all = collected[point.Name].flatten(1);
            var direction = Direction(all[..Pairs.Count], all[Pairs.Count..]);
            return new KeyValuePair<string, Tensor>(point.Name, direction.view(point.VectorShape.Select(s => (long)s).ToArray()));
        }).ToList();
        return SteeringVectors.Create(model, vectors, Method,
            new Dictionary<string, string> { ["steering.pairs"] = Pairs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>The vector at one point from the positives' and negatives' activations, [pairs, features] float64 each (row i of both is pair i).</summary>
    protected abstract Tensor Direction(Tensor positives, Tensor negatives);
}
