using System;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>Sizes, header spellings and TorchSharp equivalents of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypeExtensions
{
    /// <summary>The size in bytes of one element.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not a defined member.</exception>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 or SafetensorsDType.U32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 or SafetensorsDType.U16 => 2,
        SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.BOOL
            or SafetensorsDType.F8_E4M3 or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E8M0 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a safetensors dtype."),
    };

    /// <summary>Whether TorchSharp has a type for <paramref name="dtype"/>, so that its tensors can be loaded.</summary>
    public static bool IsLoadable(this SafetensorsDType dtype) => dtype.TryGetScalarType(out _);

    /// <summary>The TorchSharp type holding the same bits as <paramref name="dtype"/>, when there is one.</summary>
    public static bool TryGetScalarType(this SafetensorsDType dtype, out ScalarType scalarType)
    {
        ScalarType? found = dtype switch
        {
            SafetensorsDType.F64 => ScalarType.Float64,
            SafetensorsDType.F32 => ScalarType.Float32,
            SafetensorsDType.F16 => ScalarType.Float16,
            SafetensorsDType.BF16 => ScalarType.BFloat16,
            SafetensorsDType.I64 => ScalarType.Int64,
            SafetensorsDType.I32 => ScalarType.Int32,
            SafetensorsDType.I16 => ScalarType.Int16,
            SafetensorsDType.I8 => ScalarType.Int8,
            SafetensorsDType.U8 => ScalarType.Byte,
            SafetensorsDType.BOOL => ScalarType.Bool,
            _ => null,
        };
        scalarType = found.GetValueOrDefault();
        return found.HasValue;
    }

    /// <summary>The safetensors type that stores <paramref name="scalarType"/> bit for bit, when there is one.</summary>
    /// <remarks>Complex and quantized TorchSharp types have none.</remarks>
    public static bool TryFromScalarType(ScalarType scalarType, out SafetensorsDType dtype)
    {
        SafetensorsDType? found = scalarType switch
        {
            ScalarType.Float64 => SafetensorsDType.F64,
            ScalarType.Float32 => SafetensorsDType.F32,
            ScalarType.Float16 => SafetensorsDType.F16,
            ScalarType.BFloat16 => SafetensorsDType.BF16,
            ScalarType.Int64 => SafetensorsDType.I64,
            ScalarType.Int32 => SafetensorsDType.I32,
            ScalarType.Int16 => SafetensorsDType.I16,
            ScalarType.Int8 => SafetensorsDType.I8,
            ScalarType.Byte => SafetensorsDType.U8,
            ScalarType.Bool => SafetensorsDType.BOOL,
            _ => null,
        };
        dtype = found.GetValueOrDefault();
        return found.HasValue;
    }

    /// <summary>The spelling of <paramref name="dtype"/> in a safetensors header, e.g. <c>"BF16"</c>.</summary>
    public static string ToHeaderName(this SafetensorsDType dtype)
    {
        // Enum names are the header names; the size lookup rejects undefined values first.
        _ = dtype.ElementSize();
        return dtype.ToString();
    }

    /// <summary>Reads a header's <c>"dtype"</c> value. Exact and case-sensitive, as the format is.</summary>
    public static bool TryParseHeaderName(string? name, out SafetensorsDType dtype)
    {
        // Not Enum.TryParse: it would also accept "3", " F32" and "f32", none of which are safetensors.
        SafetensorsDType? found = name switch
        {
            "F64" => SafetensorsDType.F64,
            "F32" => SafetensorsDType.F32,
            "F16" => SafetensorsDType.F16,
            "BF16" => SafetensorsDType.BF16,
            "I64" => SafetensorsDType.I64,
            "I32" => SafetensorsDType.I32,
            "I16" => SafetensorsDType.I16,
            "I8" => SafetensorsDType.I8,
            "U8" => SafetensorsDType.U8,
            "BOOL" => SafetensorsDType.BOOL,
            "U16" => SafetensorsDType.U16,
            "U32" => SafetensorsDType.U32,
            "U64" => SafetensorsDType.U64,
            "F8_E4M3" => SafetensorsDType.F8_E4M3,
            "F8_E5M2" => SafetensorsDType.F8_E5M2,
            "F8_E8M0" => SafetensorsDType.F8_E8M0,
            _ => null,
        };
        dtype = found.GetValueOrDefault();
        return found.HasValue;
    }
}
