using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Models.Kernels;

/// <summary>
/// Who uses the process's threads during a few-row forward pass (a decode step): the kernels. While one runs on this
/// thread, libtorch's own operations run on one intra-op thread and <see cref="FewRowLinear"/> splits its products over
/// the thread count libtorch was given (<see cref="Count"/>) through <see cref="KernelThreads"/>; at the end libtorch's
/// count is set back. Passes with more rows (prefill) keep libtorch's threads for its GEMMs.
/// </summary>
/// <remarks>
/// The thread count the user gives (<c>torch.set_num_threads</c>, the CLI's <c>--threads</c>) stays the contract: it is
/// how many threads a pass uses, only which pool runs them changes. Why: the ops between a decode step's products
/// (layer norms, GELU, adds, attention at batch 1) are microseconds each; were libtorch's OpenMP threads allowed to
/// wake for them, they would take the core a kernel helper spins on, and two pools on two cores lose more than either
/// gains (measured in tests/Steering.Benchmarks/README.md, "twothreads"). Setting libtorch's count costs well under a
/// microsecond (an atomic store and OpenMP's per-thread setting).
/// </remarks>
internal readonly struct FewRowPassThreads : IDisposable
{
    [ThreadStatic]
    private static int owned;

    private readonly int restore;

    private FewRowPassThreads(int restore) => this.restore = restore;

    /// <summary>Whether passes hand libtorch's threads to the kernels (the benchmarks turn it off to compare).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>The threads the kernels split a product over during a pass on this thread; null outside one.</summary>
    public static int? Count => owned > 0 ? owned : null;

    /// <summary>
    /// Starts a pass of <paramref name="rows"/> rows (batch × new positions) with <paramref name="dtype"/> weights on
    /// <paramref name="device"/>: the kernels take libtorch's threads when they compute its products and libtorch has
    /// more than one. Dispose at the end of the pass.
    /// </summary>
    public static FewRowPassThreads Enter(long rows, ScalarType dtype, Device device)
    {
        if (!Enabled || owned > 0 || device.type != DeviceType.CPU || !FewRowLinear.TakesRows(rows, dtype)) return default;
        var threads = get_num_threads();
        if (threads <= 1) return default;
        set_num_threads(1);
        owned = threads;
        return new FewRowPassThreads(threads);
    }

    /// <summary>Gives libtorch its thread count back.</summary>
    public void Dispose()
    {
        if (restore == 0) return;
        owned = 0;
        set_num_threads(restore);
    }
}
