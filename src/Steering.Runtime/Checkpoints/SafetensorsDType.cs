namespace Steering.Checkpoints;

/// <summary>
/// The element types a safetensors header can name. Member names are spelled exactly as in the header's <c>"dtype"</c> field.
/// </summary>
/// <remarks>
/// The unsigned 16/32/64-bit and 8-bit float types are valid safetensors: a file holding them opens and lists them,
/// but TorchSharp has no matching <see cref="TorchSharp.torch.ScalarType"/>, so loading one of those tensors fails
/// (see <see cref="SafetensorsDTypeExtensions.IsLoadable"/>).
/// </remarks>
public enum SafetensorsDType
{
    /// <summary>IEEE 754 double precision (8 bytes).</summary>
    F64,
    /// <summary>IEEE 754 single precision (4 bytes).</summary>
    F32,
    /// <summary>IEEE 754 half precision (2 bytes).</summary>
    F16,
    /// <summary>bfloat16: the top half of an F32 (2 bytes).</summary>
    BF16,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Boolean, one byte holding 0 or 1.</summary>
    BOOL,
    /// <summary>Unsigned 16-bit integer (not loadable: TorchSharp has no such type).</summary>
    U16,
    /// <summary>Unsigned 32-bit integer (not loadable: TorchSharp has no such type).</summary>
    U32,
    /// <summary>Unsigned 64-bit integer (not loadable: TorchSharp has no such type).</summary>
    U64,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits (not loadable: TorchSharp has no such type).</summary>
    F8_E4M3,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits (not loadable: TorchSharp has no such type).</summary>
    F8_E5M2,
    /// <summary>8-bit exponent-only scale (not loadable: TorchSharp has no such type).</summary>
    F8_E8M0,
}
