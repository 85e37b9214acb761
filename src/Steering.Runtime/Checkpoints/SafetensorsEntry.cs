using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace Steering.Checkpoints;

/// <summary>
/// One tensor as a safetensors header describes it, already checked against the file:
/// its bytes lie inside the data section and match its shape and type.
/// </summary>
public sealed class SafetensorsEntry
{
    internal SafetensorsEntry(string name, SafetensorsDType dtype, long[] shape, long dataBegin, long dataEnd, long elementCount)
    {
        Name = name;
        DType = dtype;
        Shape = new ReadOnlyCollection<long>(shape);
        DataBegin = dataBegin;
        DataEnd = dataEnd;
        ElementCount = elementCount;
    }

    /// <summary>The tensor's name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The element type stored in the file.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The dimensions; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Where the tensor's bytes start, counted from the start of the data section (after the header).</summary>
    public long DataBegin { get; }

    /// <summary>Where the tensor's bytes end (exclusive), counted from the start of the data section.</summary>
    public long DataEnd { get; }

    /// <summary>The number of bytes the tensor occupies: <see cref="DataEnd"/> − <see cref="DataBegin"/>.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The shape as a fresh array, the form TorchSharp's factories take.</summary>
    public long[] ShapeArray() => [.. Shape];

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {DType.ToHeaderName()}[{string.Join(", ", Shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
}
