using System.Collections.Generic;

namespace Steering.Evaluation;

/// <summary>The coefficient a calibration chose, what it measured there, and every measurement on the way.</summary>
/// <param name="Coefficient">The chosen coefficient (negative when the search was among negative ones).</param>
/// <param name="Value">The measure at <paramref name="Coefficient"/>, within the tolerance of <paramref name="Target"/>.</param>
/// <param name="Target">The value asked for.</param>
/// <param name="Measure">What was measured, in words (e.g. "mean KL").</param>
/// <param name="Trace">Every coefficient measured, in order, with its value.</param>
/// <param name="Warning">
/// Null when the measure grew monotonically with the coefficient's magnitude along the way; otherwise where it did not
/// (the chosen coefficient still meets the target, but a smaller one may too).
/// </param>
public sealed record CalibrationResult(
    double Coefficient,
    double Value,
    double Target,
    string Measure,
    IReadOnlyList<(double Coefficient, double Value)> Trace,
    string? Warning)
{
    /// <summary>True when no measurement contradicted a monotone measure.</summary>
    public bool Monotone => Warning is null;
}
