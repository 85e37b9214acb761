using System;
using System.Threading;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>
/// One CPU buffer that successive conversions of tensors on their way in reuse (<see cref="CheckpointWeights"/> keeps
/// one for all its files), so that loading a model does not allocate, and fault in, a fresh buffer per tensor.
/// </summary>
/// <remarks>
/// Why it matters: memory the process touches for the first time is zeroed by the kernel page by page, and allocations
/// this large go back to the kernel when freed. Loading a Llama-3.2-1B-shaped checkpoint from BF16 into float32 spent
/// 73% of its CPU time zeroing fresh pages (perf), a third of them the per-tensor staging buffers. Loads that run at
/// the same time do not share it: the buffer is taken, not borrowed, and a load that finds it taken makes its own.
/// </remarks>
internal sealed class StagingBuffer : IDisposable
{
    private Tensor? _idle;

    /// <summary>A 1-D CPU tensor of <paramref name="dtype"/> with at least <paramref name="elements"/> elements, owned by the caller until <see cref="Return"/>.</summary>
    public Tensor Take(ScalarType dtype, long elements)
    {
        var taken = Interlocked.Exchange(ref _idle, null);
        if (taken is not null && taken.dtype == dtype && taken.shape[0] >= elements) return taken;
        taken?.Dispose();
        return empty(elements, dtype, CPU);
    }

    /// <summary>Keeps <paramref name="buffer"/> for the next <see cref="Take"/> (a buffer kept already is freed).</summary>
    public void Return(Tensor buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Interlocked.Exchange(ref _idle, buffer)?.Dispose();
    }

    /// <summary>Frees the kept buffer.</summary>
    public void Dispose() => Interlocked.Exchange(ref _idle, null)?.Dispose();
}
