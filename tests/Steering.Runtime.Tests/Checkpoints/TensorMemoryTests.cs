using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Steering.Checkpoints;
using static TorchSharp.torch;

namespace Steering.Tests.Checkpoints;

/// <summary>
/// The chunked path normally serves tensors over 1 GB; a tiny chunk size exercises it on small tensors,
/// including chunks that do not divide the tensor evenly.
/// </summary>
public sealed class TensorMemoryTests
{
    [Theory]
    [InlineData(1)]  // smaller than an element: one element per chunk
    [InlineData(8)]
    [InlineData(12)] // 3 floats per chunk, over 10 floats: a short last chunk
    [InlineData(1 << 20)]
    public void Copying_in_chunks_preserves_every_byte(long chunkBytes)
    {
        using var scope = NewDisposeScope();
        var source = Enumerable.Range(0, 40).Select(i => (byte)(i * 7 + 1)).ToArray();
        var destination = empty([2, 5], ScalarType.Float32);

        var pinned = GCHandle.Alloc(source, GCHandleType.Pinned);
        try
        {
            TensorMemory.CopyInto(destination, pinned.AddrOfPinnedObject(), chunkBytes);
        }
        finally
        {
            pinned.Free();
        }

        Assert.Equal(source, destination.bytes.ToArray());
        var written = new List<byte>();
        TensorMemory.CopyOut(destination, chunk => written.AddRange(chunk.ToArray()), chunkBytes);
        Assert.Equal(source, written);
    }
}
