namespace Steering.Serving;

/// <summary>How a <see cref="GenerationScheduler"/> batches requests.</summary>
public sealed record GenerationSchedulerOptions
{
    /// <summary>
    /// The most requests decoded together in one forward pass (default 32). More wait in arrival order and join as
    /// running ones finish.
    /// </summary>
    public int MaxBatchSize { get; init; } = 32;
}
