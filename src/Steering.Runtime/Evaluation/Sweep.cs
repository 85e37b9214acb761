using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;

namespace Steering.Evaluation;

/// <summary>Evaluates a steering at every pair of a set of points (hook names) and a set of coefficients.</summary>
public static class Sweep
{
    /// <summary>
    /// One evaluation per point and coefficient, points in the order given, coefficients within each point likewise.
    /// </summary>
    /// <param name="evaluator">What to measure.</param>
    /// <param name="points">The points to steer at (e.g. several layers' <c>resid_pre</c>).</param>
    /// <param name="coefficients">The coefficients to try at each point.</param>
    /// <param name="steeringAt">The steering at one point, as a function of the coefficient (see <see cref="CoefficientSteering"/>).</param>
    /// <param name="progress">Told after each evaluation.</param>
    /// <exception cref="SteeringException">No points, no coefficients, a repeated point, or a coefficient that is not finite.</exception>
    public static SweepTable Run(SteeringEvaluator evaluator, IReadOnlyList<string> points, IReadOnlyList<double> coefficients,
        Func<string, Func<double, SteeringSpec>> steeringAt, IProgress<SweepRow>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(coefficients);
        ArgumentNullException.ThrowIfNull(steeringAt);
        if (points.Count == 0) throw new SteeringException("the sweep has no points to steer at");
        if (coefficients.Count == 0) throw new SteeringException("the sweep has no coefficients");
        if (points.GroupBy(p => p, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new SteeringException($"the sweep names '{repeated.Key}' more than once");
        foreach (var coefficient in coefficients)
        {
            if (!double.IsFinite(coefficient)) throw new SteeringException($"the sweep's coefficient {coefficient} is not a finite number");
        }

        var steerings = points.Select(steeringAt).ToList(); // every point checked before the first measurement
        var rows = new List<SweepRow>();
        for (var i = 0; i < points.Count; i++)
        {
            foreach (var coefficient in coefficients)
            {
                var row = new SweepRow(points[i], evaluator.Evaluate(steerings[i], coefficient));
                rows.Add(row);
                progress?.Report(row);
            }
        }
        return new SweepTable(points, coefficients, rows);
    }
}
