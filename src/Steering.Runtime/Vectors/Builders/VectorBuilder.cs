using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;

namespace Steering.Vectors;

/// <summary>
/// Makes steering vectors for many hook points at once, from the same runs of the model (so adding a point costs
/// nothing but its reduction). The one entry point every method shares: <see cref="VectorBuilders"/> makes them, and a
/// <c>[SteerAt]</c> class builds its sites through one.
/// </summary>
public abstract class VectorBuilder
{
    /// <summary>The method's name, recorded in the file as <c>steering.method</c> (<c>mean-diff</c>, <c>pca</c>, …).</summary>
    public abstract string Method { get; }

    /// <summary>A vector for each of <paramref name="points"/> (hook points of <paramref name="model"/>), made for that model.</summary>
    /// <exception cref="SteeringException">The input does not suit the method (empty pair set, a point that takes no vector, …).</exception>
    public abstract SteeringVectors Build(HookedTransformer model, IReadOnlyList<HookPoint> points);

    /// <summary>A vector for each of the points named <paramref name="hooks"/>.</summary>
    /// <exception cref="UnknownHookPointException">The model has no such point.</exception>
    public SteeringVectors Build(HookedTransformer model, [HookName] params string[] hooks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(hooks);
        return Build(model, hooks.Select(h => model.Hooks[h]).ToList());
    }

    /// <summary>Checks the arguments every builder takes.</summary>
    protected static void CheckPoints(HookedTransformer model, IReadOnlyList<HookPoint> points)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new SteeringException("no hook points to build vectors for");
        foreach (var point in points)
            if (point.VectorShape.Count == 0)
                throw new SteeringException($"'{point.Name}' {point.Info.DimsText} is not per-position; a steering vector cannot be made there");
    }
}
