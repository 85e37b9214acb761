namespace Steering.Evaluation;

/// <summary>One cell of a sweep: a point, and what was measured steering there at one coefficient.</summary>
/// <param name="Point">The hook point steered at.</param>
/// <param name="Evaluation">The measurements.</param>
public sealed record SweepRow(string Point, SteeringEvaluation Evaluation)
{
    /// <summary>The coefficient.</summary>
    public double Coefficient => Evaluation.Coefficient;
}
