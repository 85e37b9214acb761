namespace Steering.Evaluation;

/// <summary>The perplexity of neutral texts at one coefficient, and unsteered.</summary>
/// <param name="Coefficient">The coefficient the steering ran at.</param>
/// <param name="Steered">The steered model's perplexity.</param>
/// <param name="Unsteered">The unsteered model's perplexity.</param>
public sealed record PerplexityMeasurement(double Coefficient, double Steered, double Unsteered)
{
    /// <summary>Steered ÷ unsteered: 1 when the steering costs nothing on these texts.</summary>
    public double Ratio => Steered / Unsteered;
}
