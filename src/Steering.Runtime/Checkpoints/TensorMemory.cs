using System;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>
/// Copies between native memory and a CPU tensor's storage without a managed staging buffer.
/// </summary>
/// <remarks>
/// TorchSharp exposes storage only as <see cref="Tensor.bytes"/>, a <see cref="Span{T}"/> limited to
/// <see cref="int.MaxValue"/> bytes; tensors past that (a 2 GB embedding is common) go through 1-D views of up to
/// <see cref="ChunkBytes"/> each.
/// </remarks>
internal static class TensorMemory
{
    private const long ChunkBytes = 1L << 30;

    /// <summary>Fills the contiguous CPU tensor <paramref name="destination"/> from <paramref name="source"/>, which holds exactly its bytes.</summary>
    public static unsafe void CopyInto(Tensor destination, byte* source, long byteLength)
    {
        var address = (nint)source;
        ForEachChunk(destination, byteLength, (chunk, offset) => new ReadOnlySpan<byte>((byte*)(address + (nint)offset), chunk.Length).CopyTo(chunk));
    }

    /// <summary>Passes the bytes of the contiguous CPU tensor <paramref name="source"/> to <paramref name="write"/>, in order.</summary>
    public static void CopyOut(Tensor source, ReadOnlySpanAction write)
    {
        ForEachChunk(source, source.NumberOfElements * source.ElementSize, (chunk, _) => write(chunk));
    }

    /// <summary>Receives one chunk of a tensor's bytes.</summary>
    public delegate void ReadOnlySpanAction(ReadOnlySpan<byte> chunk);

    private delegate void ChunkAction(Span<byte> chunk, long offset);

    private static void ForEachChunk(Tensor tensor, long byteLength, ChunkAction action)
    {
        if (byteLength == 0)
        {
            // An empty tensor may have no storage at all: asking for its data pointer is not safe.
            return;
        }
        if (byteLength <= ChunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }

        var elementSize = tensor.ElementSize;
        var chunkElements = ChunkBytes / elementSize;
        using var flat = tensor.reshape(-1);
        for (long start = 0; start < flat.shape[0]; start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, flat.shape[0] - start));
            action(part.bytes, start * elementSize);
        }
    }
}
