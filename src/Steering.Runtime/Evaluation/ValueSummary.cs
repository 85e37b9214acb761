using System;
using System.Collections.Generic;
using System.Linq;

namespace Steering.Evaluation;

/// <summary>Values measured over a prompt set (one per prompt or per position), with their mean and percentiles.</summary>
public sealed class ValueSummary
{
    private readonly double[] _sorted;

    /// <summary>Summarizes <paramref name="values"/> (at least one, all finite or +∞).</summary>
    /// <exception cref="SteeringException">No values, or a NaN among them.</exception>
    public ValueSummary(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values.ToArray();
        if (Values.Count == 0) throw new SteeringException("there are no values to summarize");
        if (Values.Any(double.IsNaN)) throw new SteeringException("a measured value is NaN");
        _sorted = Values.Order().ToArray();
        Mean = Values.Average();
    }

    /// <summary>The values in the order they were measured.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>How many values there are.</summary>
    public int Count => Values.Count;

    /// <summary>Their mean.</summary>
    public double Mean { get; }

    /// <summary>The smallest value.</summary>
    public double Min => _sorted[0];

    /// <summary>The largest value.</summary>
    public double Max => _sorted[^1];

    /// <summary>
    /// The <paramref name="percent"/>th percentile (0 to 100), interpolated linearly between the closest ranks as
    /// numpy's default does: rank p/100·(n − 1) in the sorted values.
    /// </summary>
    /// <exception cref="SteeringException"><paramref name="percent"/> is not in [0, 100].</exception>
    public double Percentile(double percent)
    {
        if (!(percent >= 0 && percent <= 100)) throw new SteeringException($"the percentile {percent} is not between 0 and 100");
        var rank = percent / 100 * (_sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, _sorted.Length - 1);
        var fraction = rank - below;
        return fraction == 0 || _sorted[below] == _sorted[above] ? _sorted[below] : _sorted[below] + (fraction * (_sorted[above] - _sorted[below]));
    }
}
