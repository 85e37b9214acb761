using static TorchSharp.torch;

namespace Steering;

/// <summary>How to load a model: where it computes and in which precision.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>The device: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>. CUDA needs a CUDA build (SteeringTorchBackend=cuda).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The compute dtype; weights stored as F16/BF16/F32 are converted to it. Float32 by default.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>
    /// Memory-maps the weights instead of reading them (off by default). On the CPU, a parameter stored in the compute
    /// dtype becomes a view of a private, copy-on-write mapping of its safetensors file, as llama.cpp and safetensors'
    /// <c>safe_open</c> do: loading reads nothing, pages come in from the page cache on first use, and processes that
    /// map the same file share its pages. Parameters of another stored type, or on another device, are still read and
    /// converted. The risk that makes it opt-in: if a weight file is truncated or rewritten in place while the model is
    /// alive, the next read of a lost page kills the process (SIGBUS) instead of raising an error. Use it only for files
    /// nothing will change in place (replacing a file by renaming a new one over it is safe).
    /// </summary>
    public bool MemoryMap { get; init; }

    /// <summary>A name for the model (schema files, messages); the folder's name when null.</summary>
    public string? Name { get; init; }
}
