using System;
using System.IO;
using System.Linq;
using Steering.Tests.Support;

namespace Steering.Cli.Tests;

public sealed class SweepPlotTests
{
    private static SweepPanel Panel(string label, int points) => new(label,
        Enumerable.Range(0, points).Select(p => ($"blocks.{p}.resid_pre",
            (System.Collections.Generic.IReadOnlyList<(double, double)>)new[] { -8.0, -4, 0, 4, 8 }.Select(c => (c, Math.Tanh(c / (p + 2)))).ToList())).ToList());

    [Theory]
    [InlineData("sweep.png")]
    [InlineData("sweep.svg")]
    public void A_sweep_plot_is_written_as_png_or_svg(string name)
    {
        using var folder = new TempDirectory();
        var path = folder.File(name);
        SweepPlot.Write(path, "Steering tiny-sentiment with Love − Hate at every layer's resid_pre", "coefficient",
            [Panel("sentiment score of completions", 4), Panel("mean KL to unsteered (nats)", 4), Panel("perplexity", 4), Panel("log-prob shift", 4)]);
        var bytes = File.ReadAllBytes(path);
        if (name.EndsWith(".png", StringComparison.Ordinal)) Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        else Assert.Contains("blocks.3.resid_pre", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Other_extensions_and_empty_sweeps_are_refused()
    {
        Assert.Contains("must end in .png or .svg", Assert.Throws<SteeringException>(() => SweepPlot.Write("plot.pdf", "t", "c", [Panel("x", 1)])).Message);
        Assert.Contains("nothing to plot", Assert.Throws<SteeringException>(() => SweepPlot.Write("plot.png", "t", "c", [])).Message);
    }
}
