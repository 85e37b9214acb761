using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Steering.Editing;

namespace Steering.Evaluation;

/// <summary>
/// Chooses a steering coefficient for a target: the coefficient at which the steering changes the next-token
/// distributions by a given KL (mean or a percentile over a prompt set), or shifts the log-probability of target
/// completions by a given amount. The search assumes the measure is 0 unsteered and grows with the coefficient's
/// magnitude — true in practice; it brackets the target by doubling the coefficient, then bisects, and says so when a
/// measurement contradicts monotonicity or the target cannot be reached.
/// </summary>
public static class Calibration
{
    /// <summary>The coefficient at which KL(steered ‖ unsteered) — its mean, or its <paramref name="percentile"/>th percentile — is <paramref name="target"/>.</summary>
    /// <exception cref="SteeringException">The target is not a positive finite number, the percentile is not in [0, 100], or the target cannot be reached (the message gives the measurements).</exception>
    public static CalibrationResult ForKl(KlProbe probe, Func<double, SteeringSpec> steering, double target, double? percentile = null,
        CalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(steering);
        if (!(double.IsFinite(target) && target > 0))
            throw new SteeringException($"the KL target is {target}; it must be a positive finite number (KL is 0 unsteered)");
        if (percentile is { } p && !(p >= 0 && p <= 100))
            throw new SteeringException($"the percentile {p} is not between 0 and 100");
        var name = percentile is { } q ? string.Create(CultureInfo.InvariantCulture, $"{q:0.##}th-percentile KL") : "mean KL";
        return Solve(c =>
        {
            var kl = probe.Measure(steering, c);
            return percentile is { } r ? kl.Percentile(r) : kl.Mean;
        }, target, name, options);
    }

    /// <summary>The coefficient at which the target completions' mean log-probability shift is <paramref name="target"/> (nats; negative to make them less likely).</summary>
    /// <exception cref="SteeringException">The target is 0 or not finite, or cannot be reached.</exception>
    public static CalibrationResult ForLogProbShift(LogProbProbe probe, Func<double, SteeringSpec> steering, double target,
        CalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(steering);
        if (!(double.IsFinite(target) && target != 0))
            throw new SteeringException($"the log-probability shift target is {target}; it must be a finite number other than 0 (the shift is 0 unsteered)");
        return Solve(c => probe.Measure(steering, c).MeanShift, target, "mean log-probability shift", options);
    }

    /// <summary>
    /// The coefficient at which <paramref name="measure"/> is <paramref name="target"/>, for any measure that is 0 at
    /// coefficient 0 and moves towards the target as the coefficient's magnitude grows.
    /// </summary>
    /// <exception cref="SteeringException">The target is 0 or not finite, the measure gives NaN, or the target cannot be reached.</exception>
    public static CalibrationResult Solve(Func<double, double> measure, double target, string measureName, CalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(measure);
        ArgumentNullException.ThrowIfNull(measureName);
        if (!(double.IsFinite(target) && target != 0))
            throw new SteeringException($"the {measureName} target is {target}; it must be a finite number other than 0");
        options ??= new CalibrationOptions();
        options.Validate();
        return new Search(measure, target, measureName, options).Run();
    }

    /// <summary>One search: its measurements, and what they showed about monotonicity.</summary>
    private sealed class Search(Func<double, double> measure, double target, string name, CalibrationOptions options)
    {
        private readonly List<(double Coefficient, double Value)> _trace = new();
        private readonly double _sign = options.Negative ? -1 : 1;
        private readonly double _tolerance = options.RelativeTolerance * Math.Abs(target);
        // Deterministic measures repeat exactly; this only absorbs float rounding of near-equal values.
        private readonly double _slack = 1e-6 * Math.Abs(target);
        private string? _warning;

        public CalibrationResult Run()
        {
            // Progress towards the target: 0 unsteered, 1 at the target, so "above" means past it for either sign.
            double low = 0, lowProgress = 0;
            var high = options.InitialCoefficient;
            double highProgress;
            while (true)
            {
                highProgress = Progress(high);
                if (Close()) return Result();
                if (highProgress >= 1) break;
                if (highProgress < lowProgress - _slack)
                    Note($"{name} falls from {Text(lowProgress * target)} at {Coefficient(low)} to {Text(highProgress * target)} at {Coefficient(high)}");
                if (high >= options.MaxCoefficient) throw Unreachable();
                (low, lowProgress) = (high, highProgress);
                high = Math.Min(high * 2, options.MaxCoefficient);
            }

            while (!Close())
            {
                if (_trace.Count >= options.MaxEvaluations)
                    throw new SteeringException($"{name} did not come within {Text(_tolerance)} of {Text(target)} in {options.MaxEvaluations} measurements; closest: {Closest()}");
                if (high - low <= 1e-9 * high)
                    throw new SteeringException($"{name} jumps past {Text(target)} between coefficients {Coefficient(low)} ({Text(lowProgress * target)}) and {Coefficient(high)} ({Text(highProgress * target)}); no coefficient reaches it");
                var middle = (low + high) / 2;
                var progress = Progress(middle);
                if (progress < lowProgress - _slack || progress > highProgress + _slack)
                    Note($"{name} at {Coefficient(middle)} is {Text(progress * target)}, outside {Text(lowProgress * target)} at {Coefficient(low)} to {Text(highProgress * target)} at {Coefficient(high)}");
                if (progress < 1) (low, lowProgress) = (middle, progress);
                else (high, highProgress) = (middle, progress);
            }
            return Result();
        }

        private double Progress(double magnitude)
        {
            var coefficient = _sign * magnitude;
            var value = measure(coefficient);
            if (double.IsNaN(value)) throw new SteeringException($"{name} is NaN at coefficient {Coefficient(magnitude)}");
            _trace.Add((coefficient, value));
            return value / target;
        }

        private bool Close() => Math.Abs(_trace[^1].Value - target) <= _tolerance;

        private CalibrationResult Result()
        {
            var (coefficient, value) = _trace[^1];
            return new CalibrationResult(coefficient, value, target, name, _trace.ToList(), _warning);
        }

        private void Note(string warning) => _warning ??= $"not monotone: {warning}";

        private SteeringException Unreachable()
        {
            var best = _trace.MaxBy(t => t.Value / target);
            var why = _warning is null ? "" : $" ({_warning})";
            return new SteeringException(
                $"{name} does not reach {Text(target)} for coefficients up to {Coefficient(options.MaxCoefficient)}: the most it reached is {Text(best.Value)} at {Text(best.Coefficient)}{why}");
        }

        private string Closest()
        {
            var best = _trace.MinBy(t => Math.Abs(t.Value - target));
            return $"{Text(best.Value)} at {Text(best.Coefficient)}";
        }

        private string Coefficient(double magnitude) => Text(_sign * magnitude);

        private static string Text(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
    }
}
