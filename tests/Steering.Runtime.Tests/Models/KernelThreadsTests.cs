using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Steering.Models.Kernels;

namespace Steering.Tests.Models;

/// <summary>
/// The kernels' helper threads: every part of a call runs exactly once whatever the thread count, concurrent callers
/// each get all their parts, a failure reaches the caller and leaves the team working, the team never grows beyond
/// the machine's cores, and idle helpers park instead of spinning.
/// </summary>
public sealed unsafe class KernelThreadsTests
{
    [Fact]
    public void Every_part_runs_exactly_once_at_any_thread_count()
    {
        var counts = (int*)NativeMemory.AllocZeroed(64, sizeof(int));
        try
        {
            foreach (var threads in new[] { 1, 2, 3, 8 })
            foreach (var parts in new[] { 1, 2, 3, 7, 33, 64 })
            {
                new Span<int>(counts, 64).Clear();
                KernelThreads.For(parts, threads, new Count(counts));
                for (var part = 0; part < 64; part++) Assert.Equal(part < parts ? 1 : 0, counts[part]);
            }
        }
        finally
        {
            NativeMemory.Free(counts);
        }
    }

    [Fact]
    public void Concurrent_callers_each_get_all_their_parts()
    {
        const int Callers = 4, Calls = 200, Parts = 16;
        var counts = (int*)NativeMemory.AllocZeroed(Callers * Parts, sizeof(int));
        try
        {
            var address = (nint)counts;
            Parallel.For(0, Callers, caller =>
            {
                for (var call = 0; call < Calls; call++) KernelThreads.For(Parts, 2, new Count((int*)address + caller * Parts));
            });
            for (var i = 0; i < Callers * Parts; i++) Assert.Equal(Calls, counts[i]);
        }
        finally
        {
            NativeMemory.Free(counts);
        }
    }

    [Fact]
    public void A_failing_part_throws_on_the_caller_and_the_team_keeps_working()
    {
        var error = Assert.Throws<InvalidOperationException>(() => KernelThreads.For(8, 2, new FailAt(5)));
        Assert.Equal("part 5", error.Message);
        var counts = (int*)NativeMemory.AllocZeroed(8, sizeof(int));
        try
        {
            KernelThreads.For(8, 2, new Count(counts));
            Assert.All(Enumerable.Range(0, 8), part => Assert.Equal(1, counts[part]));
        }
        finally
        {
            NativeMemory.Free(counts);
        }
    }

    [Fact]
    public void The_team_never_outgrows_the_cores_and_idle_helpers_park()
    {
        var counts = (int*)NativeMemory.AllocZeroed(256, sizeof(int));
        try
        {
            for (var call = 0; call < 100; call++) KernelThreads.For(256, 64, new Count(counts));
        }
        finally
        {
            NativeMemory.Free(counts);
        }
        Assert.InRange(KernelThreads.HelperCount, 0, Math.Max(0, Environment.ProcessorCount - 1));
        // No timing asserted: helpers spin for microseconds after a call, then park; wait (generously) until all have.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (KernelThreads.ParkedCount < KernelThreads.HelperCount && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.Equal(KernelThreads.HelperCount, KernelThreads.ParkedCount);
    }

    private readonly struct Count(int* counts) : IKernelParts
    {
        public void Run(int part) => Interlocked.Increment(ref counts[part]);
    }

    private readonly struct FailAt(int failing) : IKernelParts
    {
        public void Run(int part)
        {
            if (part == failing) throw new InvalidOperationException($"part {part}");
        }
    }
}
