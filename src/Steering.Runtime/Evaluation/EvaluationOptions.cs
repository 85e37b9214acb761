namespace Steering.Evaluation;

/// <summary>How measurements run the model.</summary>
public sealed record EvaluationOptions
{
    /// <summary>How many sequences go through the model at once (left-padded together); default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// The most memory (bytes) a probe may keep for the unsteered model's results, which it computes once and compares
    /// every steered run with; beyond it the unsteered run is repeated for each measurement. Default 256 MB.
    /// </summary>
    public long ReferenceCacheBytes { get; init; } = 256L << 20;

    /// <summary>Checks the options.</summary>
    /// <exception cref="SteeringException">A batch size below 1 or a negative cache size.</exception>
    internal void Validate()
    {
        if (BatchSize < 1) throw new SteeringException($"the batch size is {BatchSize}; it must be at least 1");
        if (ReferenceCacheBytes < 0) throw new SteeringException($"the reference cache size is {ReferenceCacheBytes} bytes; it cannot be negative");
    }
}
