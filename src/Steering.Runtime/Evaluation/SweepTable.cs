using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Steering.Checkpoints;

namespace Steering.Evaluation;

/// <summary>A sweep's results: a row per point and coefficient, the metrics that were measured, CSV, and per-point series for plots.</summary>
public sealed class SweepTable
{
    internal SweepTable(IReadOnlyList<string> points, IReadOnlyList<double> coefficients, IReadOnlyList<SweepRow> rows)
    {
        Points = points;
        Coefficients = coefficients;
        Rows = rows;
        Metrics = SweepMetric.All.Where(m => rows.Any(r => m.Read(r.Evaluation) is not null)).ToList();
    }

    /// <summary>The points, in sweep order.</summary>
    public IReadOnlyList<string> Points { get; }

    /// <summary>The coefficients, in sweep order.</summary>
    public IReadOnlyList<double> Coefficients { get; }

    /// <summary>Every cell: for each point, each coefficient.</summary>
    public IReadOnlyList<SweepRow> Rows { get; }

    /// <summary>The metrics that were measured (the table's columns after point and coefficient).</summary>
    public IReadOnlyList<SweepMetric> Metrics { get; }

    /// <summary>One point's values of <paramref name="metric"/>, by coefficient.</summary>
    public IReadOnlyList<(double Coefficient, double Value)> Series(string point, SweepMetric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return Rows.Where(r => r.Point == point && metric.Read(r.Evaluation) is not null)
            .Select(r => (r.Coefficient, metric.Read(r.Evaluation)!.Value)).ToList();
    }

    /// <summary>The table as CSV: a header <c>point,coefficient,METRIC…</c>, then a line per cell (invariant culture, round-trip numbers).</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        text.Append("point,coefficient");
        foreach (var metric in Metrics) text.Append(',').Append(metric.Column);
        text.Append('\n');
        foreach (var row in Rows)
        {
            text.Append(Quoted(row.Point)).Append(',').Append(Number(row.Coefficient));
            foreach (var metric in Metrics) text.Append(',').Append(Number(metric.Read(row.Evaluation)!.Value));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> atomically (the old file or the whole new one, never half).</summary>
    public void WriteCsv(string path)
    {
        var bytes = new UTF8Encoding(false).GetBytes(ToCsv());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quoted(string text) =>
        text.AsSpan().IndexOfAny(",\"\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
