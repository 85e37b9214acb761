using System;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// Not a timed benchmark: runs forward passes with hooks installed and checks nothing accumulates — TorchSharp's
/// per-thread tensor counts (<see cref="DisposeScopeManager.Statistics"/>: created vs disposed, live) and the process's
/// resident set size, which is where libtorch's native buffers show.
/// </summary>
public static class MemoryCheck
{
    /// <summary>What one check saw.</summary>
    public sealed record Result(
        int Passes, long TensorsCreated, long TensorsDisposed, long LiveBefore, long LiveAfter,
        long RssBeforeBytes, long RssAfterBytes, long RssAllowanceBytes)
    {
        /// <summary>Live tensors did not grow, and RSS grew by less than the allowance (allocator noise).</summary>
        public bool Passed => LiveAfter <= LiveBefore && RssAfterBytes - RssBeforeBytes < RssAllowanceBytes;
    }

    /// <summary>
    /// <paramref name="warmup"/> passes first (the allocator and caches settle), then <paramref name="passes"/> counted
    /// passes, each in its own dispose scope as callers write it; hooks stay installed throughout.
    /// </summary>
    public static Result Run(HookedTransformer model, Tensor ids, int passes = 200, int warmup = 10)
    {
        ArgumentNullException.ThrowIfNull(model);
        for (var i = 0; i < warmup; i++) BenchmarkModels.Forward(model, ids);

        var statistics = DisposeScopeManager.Statistics;
        var createdBefore = statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        var disposedBefore = statistics.DisposedInScopeCount + statistics.DisposedOutsideScopeCount;
        var liveBefore = statistics.ThreadTotalLiveCount;
        var rssBefore = ResidentBytes();

        for (var i = 0; i < passes; i++) BenchmarkModels.Forward(model, ids);

        var rssAfter = ResidentBytes();
        return new Result(
            passes,
            statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount - createdBefore,
            statistics.DisposedInScopeCount + statistics.DisposedOutsideScopeCount - disposedBefore,
            liveBefore, statistics.ThreadTotalLiveCount, rssBefore, rssAfter, RssAllowanceBytes: 32L << 20);
    }

    /// <summary>The process's resident set size after a full garbage collection (VmRSS on Linux).</summary>
    public static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is not null)
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }
        return Environment.WorkingSet;
    }
}
