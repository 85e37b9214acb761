using System;
using System.Linq;
using Steering.Editing;
using Steering.Evaluation;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Evaluation;

public sealed class CalibrationTests : IClassFixture<TinyGpt2Folder>
{
    private readonly HookedTransformer _model;

    public CalibrationTests(TinyGpt2Folder folder) => _model = folder.Model;

    private static readonly string[] Prompts = { "I think dogs are", "Hello there", "The weather today is rather" };

    // A random tiny GPT-2 is nearly uniform and saturates near KL 0.015 (its final layer norm undoes large additions);
    // steer's CLI tests calibrate the trained demo model to KL 1.
    [Theory]
    [InlineData(0.005, null, false)]
    [InlineData(0.008, 95.0, true)]
    public void Calibration_reaches_its_kl_target_within_tolerance(double target, double? percentile, bool negative)
    {
        using var vector = randn(new long[] { 32 }, generator: new TorchSharp.torch.Generator(5));
        var steering = CoefficientSteering.AddVector(_model, "blocks.1.resid_pre", vector);
        using var probe = KlProbe.FromText(_model, Prompts);
        var options = new CalibrationOptions { Negative = negative, RelativeTolerance = 0.01 };

        var result = Calibration.ForKl(probe, steering, target, percentile, options);

        Assert.True(negative ? result.Coefficient < 0 : result.Coefficient > 0, result.ToString());
        Assert.True(result.Monotone, result.Warning);
        // Measured again by a fresh probe: the chosen coefficient gives the target.
        using var check = KlProbe.FromText(_model, Prompts, options: new EvaluationOptions { BatchSize = 1 });
        var kl = check.Measure(steering, result.Coefficient);
        var achieved = percentile is { } p ? kl.Percentile(p) : kl.Mean;
        Assert.True(Math.Abs(achieved - target) <= (0.01 * target) + 1e-6, $"{achieved} at {result.Coefficient}; trace {string.Join(", ", result.Trace)}");
        Assert.Equal(result.Coefficient, result.Trace[^1].Coefficient);
    }

    [Fact]
    public void Calibration_reaches_a_log_prob_shift_target()
    {
        using var vector = randn(new long[] { 32 }, generator: new TorchSharp.torch.Generator(6));
        var steering = CoefficientSteering.AddVector(_model, "blocks.0.resid_post", vector);
        var probe = LogProbProbe.FromText(_model, new[] { ("I think dogs are", " lovely"), ("Hello", " friend") });
        // Whichever way this vector moves the completions, ask for 0.02 nats in that direction (within the random
        // model's reach).
        var target = Math.Sign(probe.Measure(steering, 1).MeanShift) * 0.02;

        var result = Calibration.ForLogProbShift(probe, steering, target);

        Assert.True(Math.Abs(probe.Measure(steering, result.Coefficient).MeanShift - target) <= 0.02 * 0.02, result.ToString());
        Assert.Equal(result.Value, probe.Measure(steering, result.Coefficient).MeanShift, 9);
    }

    [Fact]
    public void Bisection_on_a_known_function_finds_its_inverse()
    {
        var result = Calibration.Solve(c => c * c, 10, "square", new CalibrationOptions { RelativeTolerance = 1e-4 });
        Assert.Equal(Math.Sqrt(10), result.Coefficient, 3);
        // Doubling from 1 brackets it between 2 and 4: the trace starts 1, 2, 4.
        Assert.Equal(new[] { 1.0, 2.0, 4.0 }, result.Trace.Take(3).Select(t => t.Coefficient));
    }

    [Fact]
    public void Unreachable_and_non_monotone_targets_are_reported()
    {
        var unreachable = Assert.Throws<SteeringException>(() =>
            Calibration.Solve(c => 1 - Math.Exp(-c), 2, "saturating", new CalibrationOptions { MaxCoefficient = 64 }));
        Assert.Contains("does not reach 2 for coefficients up to 64", unreachable.Message);

        // Rises, dips, then rises past the target: found, with a warning.
        var bumpy = Calibration.Solve(c => c < 1.5 ? c : c < 3 ? c - 1.2 : c, 3.5, "bumpy");
        Assert.False(bumpy.Monotone);
        Assert.Contains("not monotone: bumpy falls from 1 at 1 to 0.8 at 2", bumpy.Warning);
        Assert.Equal(3.5, bumpy.Value, 1);

        var jump = Assert.Throws<SteeringException>(() => Calibration.Solve(c => c < 3 ? 0.1 : 10, 1, "step"));
        Assert.Contains("jumps past 1", jump.Message);

        Assert.Contains("must be a finite number", Assert.Throws<SteeringException>(() => Calibration.Solve(c => c, double.PositiveInfinity, "x")).Message);
        Assert.Contains("is NaN", Assert.Throws<SteeringException>(() => Calibration.Solve(_ => double.NaN, 1, "nan")).Message);
        Assert.Contains("initial coefficient", Assert.Throws<SteeringException>(() =>
            Calibration.Solve(c => c, 1, "x", new CalibrationOptions { InitialCoefficient = 0 })).Message);
    }

    [Fact]
    public void Kl_targets_must_be_positive_and_finite()
    {
        using var probe = KlProbe.FromText(_model, Prompts);
        Func<double, SteeringSpec> none = _ => SteeringSpec.Empty;
        Assert.Contains("positive finite", Assert.Throws<SteeringException>(() => Calibration.ForKl(probe, none, double.NaN)).Message);
        Assert.Contains("positive finite", Assert.Throws<SteeringException>(() => Calibration.ForKl(probe, none, 0)).Message);
        Assert.Contains("between 0 and 100", Assert.Throws<SteeringException>(() => Calibration.ForKl(probe, none, 1, 120)).Message);
        // A steering that changes nothing never reaches any KL.
        Assert.Contains("does not reach", Assert.Throws<SteeringException>(() =>
            Calibration.ForKl(probe, none, 1, options: new CalibrationOptions { MaxCoefficient = 4 })).Message);
    }
}
