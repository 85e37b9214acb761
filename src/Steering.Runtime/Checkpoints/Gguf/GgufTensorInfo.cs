using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// One tensor as a GGUF file describes it, checked against the file: its bytes lie inside the data section and match
/// its dimensions and type.
/// </summary>
public sealed class GgufTensorInfo
{
    internal GgufTensorInfo(string name, long[] dimensions, GgmlType type, long offset, long byteLength, long elementCount)
    {
        Name = name;
        Dimensions = new ReadOnlyCollection<long>(dimensions);
        Type = type;
        Offset = offset;
        ByteLength = byteLength;
        ElementCount = elementCount;
    }

    /// <summary>The tensor's name, e.g. <c>blk.0.attn_qkv.weight</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// ggml's dimensions (<c>ne</c>), fastest-varying first: a PyTorch [out, in] matrix is [in, out] here.
    /// </summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>The shape in PyTorch's order (the reverse of <see cref="Dimensions"/>).</summary>
    public long[] Shape => Dimensions.Reverse().ToArray();

    /// <summary>The element type stored.</summary>
    public GgmlType Type { get; }

    /// <summary>Where the bytes start, counted from the start of the data section.</summary>
    public long Offset { get; }

    /// <summary>The number of bytes stored.</summary>
    public long ByteLength { get; }

    /// <summary>The number of elements (the product of the dimensions).</summary>
    public long ElementCount { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Type}[{string.Join(", ", Dimensions)}]";
}
