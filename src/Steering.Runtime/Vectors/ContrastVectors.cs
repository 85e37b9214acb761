using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// Vectors from contrastive prompt pairs: for each hook point, the mean over pairs of the activation difference at each
/// prompt's last token (the prompts may tokenize to different lengths; the last token has read all the others).
/// </summary>
public static class ContrastVectors
{
    /// <summary>One mean difference vector per hook point, computed with one forward pass per prompt.</summary>
    /// <returns>Vectors by canonical hook name: detached float32 CPU tensors the caller owns.</returns>
    /// <exception cref="SteeringException">No pairs, an unknown or non-positional hook point.</exception>
    public static IReadOnlyDictionary<string, Tensor> Compute(
        HookedTransformer model, IReadOnlyCollection<string> hookNames, IReadOnlyList<(string Positive, string Negative)> pairs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(hookNames);
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new SteeringException("a contrast vector needs at least one pair of prompts");
        var points = hookNames.Select(name => model.Hooks[name]).Distinct().ToList();
        foreach (var point in points.Where(p => p.VectorShape.Count == 0))
            throw new SteeringException($"'{point.Name}' {point.Info.DimsText} is not per-position; a steering vector cannot be made there");

        using var scope = NewDisposeScope();
        var sums = points.ToDictionary(p => p.Name, p => zeros(p.VectorShape.Select(s => (long)s).ToArray()));
        foreach (var (positive, negative) in pairs)
        {
            var (plus, minus) = (LastTokens(model, points, positive), LastTokens(model, points, negative));
            foreach (var point in points)
                sums[point.Name] += plus[point.Name] - minus[point.Name];
        }
        return sums.ToDictionary(s => s.Key, s => (s.Value / pairs.Count).DetachFromDisposeScope());
    }

    private static Dictionary<string, Tensor> LastTokens(HookedTransformer model, IReadOnlyList<Hooks.HookPoint> points, string prompt)
    {
        using var hooks = model.Hooks.CreateScope();
        using var cache = hooks.Cache(points.Select(p => p.Name).ToArray());
        model.Forward(prompt);
        return points.ToDictionary(p => p.Name, p => cache[p.Name][0, -1].to(ScalarType.Float32).cpu().clone());
    }
}
