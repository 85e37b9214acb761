using System;
using System.Collections.Generic;
using System.Globalization;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// One GGUF metadata value: a scalar, a string, or an array of one element type. Arrays of scalars and strings are
/// held as typed .NET arrays (a 128k-token vocabulary is one <c>string[]</c>, not 128k objects); nested arrays as
/// <see cref="GgufValue"/>[].
/// </summary>
public sealed class GgufValue
{
    private static readonly Dictionary<Type, GgufValueType> ScalarTypes = new()
    {
        [typeof(byte)] = GgufValueType.UInt8,
        [typeof(sbyte)] = GgufValueType.Int8,
        [typeof(ushort)] = GgufValueType.UInt16,
        [typeof(short)] = GgufValueType.Int16,
        [typeof(uint)] = GgufValueType.UInt32,
        [typeof(int)] = GgufValueType.Int32,
        [typeof(float)] = GgufValueType.Float32,
        [typeof(bool)] = GgufValueType.Bool,
        [typeof(string)] = GgufValueType.String,
        [typeof(ulong)] = GgufValueType.UInt64,
        [typeof(long)] = GgufValueType.Int64,
        [typeof(double)] = GgufValueType.Float64,
        [typeof(GgufValue)] = GgufValueType.Array,
    };

    private GgufValue(GgufValueType type, object value, GgufValueType elementType = default)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For an array, the type of its elements (<see cref="GgufValueType.Array"/> for nested arrays).</summary>
    public GgufValueType ElementType { get; }

    /// <summary>
    /// The value: a boxed scalar (<c>byte</c>, <c>sbyte</c>, <c>ushort</c>, <c>short</c>, <c>uint</c>, <c>int</c>,
    /// <c>float</c>, <c>bool</c>, <c>ulong</c>, <c>long</c>, <c>double</c>), a <c>string</c>, or a typed array of those
    /// (<see cref="GgufValue"/>[] for nested arrays).
    /// </summary>
    public object Value { get; }

    /// <summary>The number of elements of an array value.</summary>
    /// <exception cref="InvalidOperationException">Not an array.</exception>
    public int Count => Value is Array array ? array.Length : throw new InvalidOperationException($"a GGUF {Type} is not an array");

    /// <summary>A value of the type that matches <paramref name="value"/>'s .NET type.</summary>
    /// <param name="value">A scalar, a string, or a one-dimensional array of one of those or of <see cref="GgufValue"/>.</param>
    /// <exception cref="ArgumentException">A type GGUF has no value type for.</exception>
    public static GgufValue From(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value is Array array)
        {
            var element = array.GetType().GetElementType()!;
            if (array.Rank != 1 || !ScalarTypes.TryGetValue(element, out var elementType))
                throw new ArgumentException($"GGUF has no array of {element.Name}", nameof(value));
            if (value is string[] strings && Array.IndexOf(strings, null) >= 0)
                throw new ArgumentException("a GGUF string array cannot hold null", nameof(value));
            if (value is GgufValue[] nested && Array.IndexOf(nested, null) >= 0)
                throw new ArgumentException("a GGUF array cannot hold null", nameof(value));
            return new GgufValue(GgufValueType.Array, array, elementType);
        }
        return ScalarTypes.TryGetValue(value.GetType(), out var type) && type != GgufValueType.Array
            ? new GgufValue(type, value)
            : throw new ArgumentException($"GGUF has no value type for {value.GetType().Name}", nameof(value));
    }

    /// <summary>The string this value holds.</summary>
    /// <exception cref="InvalidOperationException">Not a string.</exception>
    public string AsString() => Value as string ?? throw WrongType("a string");

    /// <summary>The value of any integer type, as a long.</summary>
    /// <exception cref="InvalidOperationException">Not an integer, or a UInt64 beyond <see cref="long.MaxValue"/>.</exception>
    public long AsInteger() => Value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => throw WrongType("an integer"),
    };

    /// <summary>The value of either float type, as a double.</summary>
    /// <exception cref="InvalidOperationException">Not a float.</exception>
    public double AsFloat() => Value switch
    {
        float v => v,
        double v => v,
        _ => throw WrongType("a float"),
    };

    /// <summary>The elements of an array of <typeparamref name="T"/> (e.g. <c>string</c> for a token list).</summary>
    /// <exception cref="InvalidOperationException">Not an array of that element type.</exception>
    public IReadOnlyList<T> AsArray<T>() => Value as T[] ?? throw WrongType($"an array of {typeof(T).Name}");

    /// <summary>The value as GGUF tools print it: scalars, quoted strings, arrays by type and length.</summary>
    public override string ToString() => Value switch
    {
        string text => $"\"{text}\"",
        Array array => $"[{ElementType}; {array.Length}]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };

    private InvalidOperationException WrongType(string wanted) =>
        new($"the GGUF value is {(Type == GgufValueType.Array ? $"an array of {ElementType}" : Type.ToString())}, not {wanted}");
}
