namespace Steering.Checkpoints.Gguf;

/// <summary>The type of a GGUF metadata value (<c>gguf_metadata_value_type</c> in the GGUF specification).</summary>
public enum GgufValueType : uint
{
    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 0,
    /// <summary>8-bit signed integer.</summary>
    Int8 = 1,
    /// <summary>16-bit unsigned little-endian integer.</summary>
    UInt16 = 2,
    /// <summary>16-bit signed little-endian integer.</summary>
    Int16 = 3,
    /// <summary>32-bit unsigned little-endian integer.</summary>
    UInt32 = 4,
    /// <summary>32-bit signed little-endian integer.</summary>
    Int32 = 5,
    /// <summary>32-bit IEEE 754 float.</summary>
    Float32 = 6,
    /// <summary>One byte, 0 (false) or 1 (true).</summary>
    Bool = 7,
    /// <summary>UTF-8 text preceded by its 64-bit byte length.</summary>
    String = 8,
    /// <summary>An element type, a 64-bit count, then the elements (arrays may nest).</summary>
    Array = 9,
    /// <summary>64-bit unsigned little-endian integer.</summary>
    UInt64 = 10,
    /// <summary>64-bit signed little-endian integer.</summary>
    Int64 = 11,
    /// <summary>64-bit IEEE 754 float.</summary>
    Float64 = 12,
}
