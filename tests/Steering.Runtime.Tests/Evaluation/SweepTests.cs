using System;
using System.IO;
using System.Linq;
using Steering.Editing;
using Steering.Evaluation;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Evaluation;

public sealed class SweepTests : IClassFixture<TinyGpt2Folder>
{
    private readonly HookedTransformer _model;

    public SweepTests(TinyGpt2Folder folder) => _model = folder.Model;

    [Fact]
    public void A_sweep_has_a_row_per_point_and_coefficient_and_writes_csv()
    {
        using var vector = randn(new long[] { 32 }, generator: new TorchSharp.torch.Generator(9));
        var prompts = new[] { "I think dogs are", "Hello there" };
        using var evaluator = new SteeringEvaluator
        {
            Kl = KlProbe.FromText(_model, prompts),
            Perplexity = PerplexityProbe.FromText(_model, new[] { "The cat sat on the mat." }),
        };
        var points = new[] { "blocks.0.resid_pre", "blocks.1.resid_pre" };
        var coefficients = new[] { -2.0, 0, 2 };

        var table = Sweep.Run(evaluator, points, coefficients, point => CoefficientSteering.AddVector(_model, point, vector));

        Assert.Equal(6, table.Rows.Count);
        Assert.Equal(new[] { "kl_mean", "kl_p95", "perplexity" }, table.Metrics.Select(m => m.Column));
        var series = table.Series("blocks.1.resid_pre", SweepMetric.KlMean);
        Assert.Equal(coefficients, series.Select(s => s.Coefficient));
        Assert.Equal(0, series[1].Value);
        Assert.True(series[0].Value > 0 && series[2].Value > 0);
        // The same cell measured on its own.
        using (var probe = KlProbe.FromText(_model, prompts))
            Assert.Equal(probe.Measure(CoefficientSteering.AddVector(_model, "blocks.1.resid_pre", vector), 2).Mean, series[2].Value, 6);

        using var folder = new TempDirectory();
        table.WriteCsv(folder.File("sweep.csv"));
        var lines = File.ReadAllLines(folder.File("sweep.csv"));
        Assert.Equal("point,coefficient,kl_mean,kl_p95,perplexity", lines[0]);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("blocks.0.resid_pre,-2,", lines[1]);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Bad_sweeps_are_clear_errors()
    {
        using var vector = zeros(32);
        using var evaluator = new SteeringEvaluator { Kl = KlProbe.FromText(_model, new[] { "Hi" }) };
        Func<string, Func<double, SteeringSpec>> at = point => CoefficientSteering.AddVector(_model, point, vector);
        Assert.Contains("no points", Assert.Throws<SteeringException>(() => Sweep.Run(evaluator, Array.Empty<string>(), new[] { 1.0 }, at)).Message);
        Assert.Contains("no coefficients", Assert.Throws<SteeringException>(() => Sweep.Run(evaluator, new[] { "blocks.0.resid_pre" }, Array.Empty<double>(), at)).Message);
        Assert.Contains("not a finite number", Assert.Throws<SteeringException>(() => Sweep.Run(evaluator, new[] { "blocks.0.resid_pre" }, new[] { 1, double.PositiveInfinity }, at)).Message);
        Assert.Contains("more than once", Assert.Throws<SteeringException>(() => Sweep.Run(evaluator, new[] { "blocks.0.resid_pre", "blocks.0.resid_pre" }, new[] { 1.0 }, at)).Message);
        Assert.Contains("blocks.9.resid_pre", Assert.ThrowsAny<SteeringException>(() => Sweep.Run(evaluator, new[] { "blocks.9.resid_pre" }, new[] { 1.0 }, at)).Message);
    }
}
