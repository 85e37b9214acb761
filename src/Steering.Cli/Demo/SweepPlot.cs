using System.Collections.Generic;
using System.IO;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Steering.Cli.Demo;

/// <summary>Draws sentiment score against steering coefficient, one line per hook point, as an SVG file.</summary>
internal static class SweepPlot
{
    public static void Write(string path, string title, IReadOnlyDictionary<string, IReadOnlyList<(double Coefficient, double Score)>> curves)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "coefficient × (Love − Hate)" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "sentiment score", Minimum = -1.05, Maximum = 1.05 });
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        foreach (var (hook, points) in curves)
        {
            var series = new LineSeries { Title = hook, MarkerType = MarkerType.Circle };
            foreach (var (coefficient, score) in points) series.Points.Add(new DataPoint(coefficient, score));
            model.Series.Add(series);
        }
        using var file = File.Create(path);
        new SvgExporter { Width = 720, Height = 440 }.Export(model, file);
    }
}
