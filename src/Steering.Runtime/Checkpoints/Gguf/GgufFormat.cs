namespace Steering.Checkpoints.Gguf;

/// <summary>Constants of the GGUF format (version 3) and the limits ggml itself enforces.</summary>
internal static class GgufFormat
{
    /// <summary>"GGUF" as the first four bytes of the file.</summary>
    public static readonly byte[] Magic = "GGUF"u8.ToArray();

    public const uint Version = 3;

    /// <summary>The alignment of tensor data when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    public const string AlignmentKey = "general.alignment";

    /// <summary>ggml's GGML_MAX_DIMS.</summary>
    public const int MaxDimensions = 4;

    /// <summary>ggml's GGML_MAX_NAME (64) less the terminating zero.</summary>
    public const int MaxTensorNameBytes = 63;

    /// <summary>The specification's bound on a key's length.</summary>
    public const int MaxKeyBytes = 65535;

    /// <summary>How deep arrays of arrays may nest; no real file nests at all, a bound keeps hostile files cheap.</summary>
    public const int MaxArrayDepth = 8;
}
