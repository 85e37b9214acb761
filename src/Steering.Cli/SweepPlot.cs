using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;
using SkiaSharp;
using Steering.Evaluation;

namespace Steering.Cli;

/// <summary>One panel of a sweep plot: a value against the coefficient, a line per hook point.</summary>
/// <param name="Label">What the value is (the panel's y axis).</param>
/// <param name="Curves">Per hook point, its (coefficient, value) points.</param>
/// <param name="Range">Fixed y limits, or null to fit the data.</param>
internal sealed record SweepPanel(string Label, IReadOnlyList<(string Point, IReadOnlyList<(double Coefficient, double Value)> Values)> Curves,
    (double Low, double High)? Range = null)
{
    /// <summary>
    /// A panel per metric the table measured, but the 95th-percentile KL (in the table; its curve follows the mean's);
    /// the effect labelled <paramref name="effectLabel"/> when given.
    /// </summary>
    public static IReadOnlyList<SweepPanel> From(SweepTable table, string? effectLabel = null) =>
        table.Metrics.Where(metric => metric != SweepMetric.Kl95).Select(metric => new SweepPanel(
            metric == SweepMetric.Effect && effectLabel is not null ? effectLabel : metric.Title,
            table.Points.Select(point => (point, table.Series(point, metric))).ToList())).ToList();
}

/// <summary>
/// Draws sweeps with ScottPlot, which lays text out with the font's real metrics (SkiaSharp), so titles, axis labels
/// and legends neither overlap nor get clipped: up to three panels side by side (more in rows of two), each a value
/// against the coefficient with a line and markers per hook point, one legend outside the data, the title measured to
/// fit. PNG or SVG by the file's extension, written atomically.
/// </summary>
internal static class SweepPlot
{
    private const int PanelWidth = 520;
    private const int PanelHeight = 436;
    private const int LegendWidth = 180;
    private const int TitleHeight = 44;
    private const float TitleSize = 20;

    /// <summary>
    /// A sans-serif family the system has: ScottPlot's own guess (<see cref="Fonts.Sans"/>) can fall back to a serif
    /// face where its first choice is missing, as on Debian with only DejaVu installed.
    /// </summary>
    private static readonly string FontFamily =
        new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI" }
            .FirstOrDefault(family => SKFontManager.Default.GetFontFamilies().Contains(family)) ?? Fonts.Sans;

    /// <summary>Writes the panels to <paramref name="path"/> (.png or .svg), under <paramref name="title"/>.</summary>
    /// <exception cref="SteeringException">The extension is neither .png nor .svg, or there is nothing to plot.</exception>
    public static void Write(string path, string title, string coefficientLabel, IReadOnlyList<SweepPanel> panels)
    {
        var format = FormatOf(path);
        if (panels.Count == 0) throw new SteeringException("there is nothing to plot: the sweep measured no value");
        var columns = panels.Count <= 3 ? panels.Count : 2;
        var rows = (panels.Count + columns - 1) / columns;
        // The legend (a point has the same colour in every panel) goes right of the first row's last panel.
        var plots = panels.Select((panel, index) => Draw(panel, coefficientLabel, legend: index == columns - 1)).ToList();
        var multiplot = new Multiplot();
        multiplot.Reset(plots[0]);
        foreach (var plot in plots.Skip(1)) multiplot.AddPlot(plot);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var size = new SKSizeI((PanelWidth * columns) + LegendWidth, TitleHeight + (PanelHeight * rows));
        Steering.Checkpoints.AtomicFile.Write(path, stream =>
        {
            if (format == ".png") WritePng(stream, size, canvas => Render(canvas, multiplot, title, size));
            else WriteSvg(stream, size, canvas => Render(canvas, multiplot, title, size));
        });
    }

    /// <summary>Checks the plot path's extension before any work is done.</summary>
    /// <exception cref="SteeringException">Neither .png nor .svg.</exception>
    public static string FormatOf(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".png" or ".svg"
            ? extension
            : throw new SteeringException($"the plot {path} must end in .png or .svg");
    }

    private static Plot Draw(SweepPanel panel, string coefficientLabel, bool legend)
    {
        var plot = new Plot();
        plot.Font.Set(FontFamily);
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var ((point, values), index) in panel.Curves.Select((c, i) => (c, i)))
        {
            var scatter = plot.Add.Scatter(values.Select(v => v.Coefficient).ToArray(), values.Select(v => v.Value).ToArray());
            scatter.LegendText = point;
            scatter.Color = palette.GetColor(index);
            scatter.LineWidth = 2;
            scatter.MarkerSize = 7;
        }
        plot.XLabel(coefficientLabel, size: 14);
        plot.YLabel(panel.Label, size: 14);
        // Outside the data area, so it hides no line.
        if (legend) plot.ShowLegend(Edge.Right);
        else plot.HideLegend();
        if (panel.Range is { } range) plot.Axes.SetLimitsY(range.Low, range.High);
        else plot.Axes.AutoScale();
        return plot;
    }

    /// <summary>The panels below the title; the title centred across the top, shrunk when wider than the figure.</summary>
    private static void Render(SKCanvas canvas, Multiplot multiplot, string title, SKSizeI size)
    {
        canvas.Clear(SKColors.White);
        canvas.Save();
        canvas.Translate(0, TitleHeight);
        multiplot.Render(canvas, new PixelRect(0, size.Width, size.Height - TitleHeight, 0));
        canvas.Restore();
        // Drawn last: ScottPlot clears the whole canvas to its figure background before drawing the panels.
        using var typeface = Fonts.GetTypeface(FontFamily, bold: true, italic: false);
        using var font = new SKFont(typeface, TitleSize);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var measured = font.MeasureText(title);
        if (measured > size.Width - 20) font.Size = TitleSize * (size.Width - 20) / measured;
        canvas.DrawText(title, (size.Width - font.MeasureText(title)) / 2, TitleHeight - 12, font, paint);
    }

    private static void WritePng(Stream stream, SKSizeI size, System.Action<SKCanvas> render)
    {
        using var surface = SKSurface.Create(new SKImageInfo(size.Width, size.Height));
        render(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        data.SaveTo(stream);
    }

    private static void WriteSvg(Stream stream, SKSizeI size, System.Action<SKCanvas> render)
    {
        // SkiaSharp's SVG canvas writes what is drawn as SVG elements, text placed where the measured layout put it.
        using var canvas = SKSvgCanvas.Create(new SKRect(0, 0, size.Width, size.Height), stream);
        render(canvas);
    }
}
