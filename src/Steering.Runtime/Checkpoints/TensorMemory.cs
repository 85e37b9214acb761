using System;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>
/// Copies between native memory and a CPU tensor's storage without a managed staging buffer.
/// </summary>
/// <remarks>
/// TorchSharp exposes storage only as <see cref="Tensor.bytes"/>, a <see cref="Span{T}"/> limited to
/// <see cref="int.MaxValue"/> bytes; larger tensors (a 2 GB embedding matrix is common) go through 1-D views of at
/// most <see cref="DefaultChunkBytes"/> each.
/// </remarks>
internal static class TensorMemory
{
    public const long DefaultChunkBytes = 1L << 30;

    /// <summary>Receives one chunk of a tensor's bytes.</summary>
    public delegate void ReadOnlySpanAction(ReadOnlySpan<byte> chunk);

    /// <summary>Fills one chunk of a tensor's bytes, which start <paramref name="offset"/> bytes into the tensor.</summary>
    public delegate void ChunkAction(Span<byte> chunk, long offset);

    /// <summary>
    /// Fills the contiguous CPU tensor <paramref name="destination"/> from the native memory at <paramref name="source"/>,
    /// which must hold at least as many bytes as the tensor.
    /// </summary>
    public static unsafe void CopyInto(Tensor destination, nint source, long chunkBytes = DefaultChunkBytes) =>
        ForEachChunk(destination, chunkBytes,
            (chunk, offset) => new ReadOnlySpan<byte>((byte*)(source + (nint)offset), chunk.Length).CopyTo(chunk));

    /// <summary>Passes the bytes of the contiguous CPU tensor <paramref name="source"/> to <paramref name="write"/>, in order.</summary>
    public static void CopyOut(Tensor source, ReadOnlySpanAction write, long chunkBytes = DefaultChunkBytes) =>
        ForEachChunk(source, chunkBytes, (chunk, _) => write(chunk));

    /// <summary>
    /// Lets <paramref name="fill"/> write the contiguous CPU tensor <paramref name="destination"/>'s bytes in order, in
    /// chunks of at most <paramref name="chunkBytes"/> (a whole number of elements).
    /// </summary>
    public static void Fill(Tensor destination, ChunkAction fill, long chunkBytes = DefaultChunkBytes) =>
        ForEachChunk(destination, chunkBytes, fill);

    private static void ForEachChunk(Tensor tensor, long chunkBytes, ChunkAction action)
    {
        var elementSize = tensor.ElementSize;
        var elements = tensor.NumberOfElements;
        if (elements == 0)
        {
            // An empty tensor may have no storage at all: asking for its data pointer is not safe.
            return;
        }
        if (elements * elementSize <= chunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }

        var chunkElements = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.reshape(-1);
        for (long start = 0; start < elements; start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, elements - start));
            action(part.bytes, start * elementSize);
        }
    }
}
