using static TorchSharp.torch;

namespace Steering;

/// <summary>How to load a model: where it computes and in which precision.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>The device: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>. CUDA needs a CUDA build (SteeringTorchBackend=cuda).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The compute dtype; weights stored as F16/BF16/F32 are converted to it. Float32 by default.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>A name for the model (schema files, messages); the folder's name when null.</summary>
    public string? Name { get; init; }
}
