using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Steering.Models.Kernels;

/// <summary>
/// The work of one call, in parts: <see cref="KernelThreads.For{TParts}"/> runs <see cref="Run"/> once for every part
/// index, on the calling thread and the kernels' helper threads. An unmanaged struct (operand addresses and sizes), so
/// handing it over allocates nothing and needs no pinning.
/// </summary>
internal interface IKernelParts
{
    /// <summary>Computes part <paramref name="part"/>; parts write disjoint outputs, so they may run in any order and at once.</summary>
    void Run(int part);
}

/// <summary>
/// Splits a kernel call over the calling thread and a few dedicated helper threads, for products too short for the
/// .NET thread pool: a helper that spins between calls takes its part within about a microsecond, where a thread-pool
/// hand-off costs more than a 0.1–0.4 ms decode product gains (tests/Steering.Benchmarks/README.md, "twothreads").
/// </summary>
/// <remarks>
/// <para>
/// One team per process, created on first use: one helper per extra thread (at most the machine's cores less one), so
/// any number of models shares them and creating models starts no threads. Helpers are background threads; after a
/// call each spins for <see cref="SpinTime"/> waiting for the next (a decode step's products follow each other within
/// tens of microseconds) and then parks on a semaphore, so an idle model burns no core.
/// </para>
/// <para>
/// Parts are claimed from a shared counter, by the caller too, and the caller returns when every part is done: a helper
/// that is parked or not scheduled only takes fewer parts; only a part a helper has started can keep the caller
/// waiting (spinning, then yielding after <see cref="YieldAfter"/>). One call uses the team at a time; a second caller meanwhile (another thread generating) runs its parts alone.
/// </para>
/// </remarks>
internal static unsafe class KernelThreads
{
    /// <summary>How long a helper waits spinning for the next call before it parks.</summary>
    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(50);

    /// <summary>How long a caller waits for helpers' parts spinning before it yields its core (a helper was descheduled).</summary>
    private static readonly TimeSpan YieldAfter = TimeSpan.FromMilliseconds(1);

    private static readonly object Gate = new();
    private static Helper[] helpers = [];
    private static Job? current;
    private static int busy;

    /// <summary>The helper threads started so far (they live as long as the process).</summary>
    internal static int HelperCount => Volatile.Read(ref helpers).Length;

    /// <summary>How many helpers are parked (sleeping until the next call) right now.</summary>
    internal static int ParkedCount
    {
        get
        {
            var parked = 0;
            foreach (var helper in Volatile.Read(ref helpers)) if (helper.IsParked) parked++;
            return parked;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>'s parts 0 … <paramref name="parts"/> − 1 on up to <paramref name="threads"/> threads
    /// (the caller and <paramref name="threads"/> − 1 helpers) and returns when all are done. The split changes no
    /// result as long as each part's output is the same whoever computes it.
    /// </summary>
    public static void For<TParts>(int parts, int threads, TParts work) where TParts : unmanaged, IKernelParts
    {
        threads = Math.Min(threads, Math.Min(parts, Environment.ProcessorCount));
        if (threads <= 1 || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            for (var part = 0; part < parts; part++) work.Run(part);
            return;
        }
        try
        {
            // `work` is this frame's own copy: its address stays valid until every part is done, which is before return.
            var job = new Job(&RunPart<TParts>, &work, parts);
            var team = Team(threads - 1);
            Volatile.Write(ref current, job);
            for (var h = 0; h < threads - 1; h++) team[h].Wake();
            job.Work();
            job.WaitUntilDone();
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    private static void RunPart<TParts>(void* work, int part) where TParts : unmanaged, IKernelParts =>
        ((TParts*)work)->Run(part);

    /// <summary>The first <paramref name="count"/> helpers, started if they are not yet.</summary>
    private static Helper[] Team(int count)
    {
        var team = Volatile.Read(ref helpers);
        if (team.Length >= count) return team;
        lock (Gate)
        {
            team = helpers;
            if (team.Length >= count) return team;
            var grown = new Helper[count];
            team.CopyTo(grown, 0);
            for (var h = team.Length; h < count; h++) grown[h] = new Helper(h);
            Volatile.Write(ref helpers, grown);
            return grown;
        }
    }

    /// <summary>One call's parts: a claim counter, a done counter, and the first failure.</summary>
    private sealed class Job(delegate*<void*, int, void> run, void* work, int parts)
    {
        private int claimed;
        private int done;
        private ExceptionDispatchInfo? failure;

        /// <summary>Claims and runs parts until none is left.</summary>
        public void Work()
        {
            for (var part = Interlocked.Increment(ref claimed) - 1; part < parts; part = Interlocked.Increment(ref claimed) - 1)
            {
                try
                {
                    run(work, part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                }
                Interlocked.Increment(ref done);
            }
        }

        /// <summary>
        /// Returns when every part is done (the ones helpers took last), rethrowing the first failure. Spins without
        /// yielding the core for up to <see cref="YieldAfter"/>: the parts left are microseconds of work, and a yield
        /// on a busy machine hands the core to another process for a whole time slice.
        /// </summary>
        public void WaitUntilDone()
        {
            var yieldFrom = Stopwatch.GetTimestamp() + (long)(YieldAfter.TotalSeconds * Stopwatch.Frequency);
            while (Volatile.Read(ref done) < parts)
            {
                if (Stopwatch.GetTimestamp() < yieldFrom) Thread.SpinWait(8);
                else Thread.Yield();
            }
            failure?.Throw();
        }
    }

    /// <summary>A dedicated thread that works on each new job, spins briefly for the next, then parks.</summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
        Justification = "A helper lives as long as the process; its semaphore never creates a wait handle to free.")]
    private sealed class Helper
    {
        private readonly SemaphoreSlim wakeUp = new(0);
        private int parked;

        public Helper(int index)
        {
            new Thread(Loop) { IsBackground = true, Name = $"Steering kernels {index + 1}" }.Start();
        }

        /// <summary>Whether the helper is parked or about to park.</summary>
        public bool IsParked => Volatile.Read(ref parked) == 1;

        /// <summary>Unparks the helper if it is parked (a spinning helper sees the new job by itself).</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref parked, 0) == 1) wakeUp.Release();
        }

        private void Loop()
        {
            Job? seen = null;
            while (true)
            {
                var job = Volatile.Read(ref current);
                if (job != seen)
                {
                    seen = job;
                    job!.Work();
                    continue;
                }
                if (!SpinFor(seen)) Park(seen);
            }
        }

        /// <summary>Spins until a job other than <paramref name="seen"/> is posted (true) or <see cref="SpinTime"/> passes (false).</summary>
        private static bool SpinFor(Job? seen)
        {
            var until = Stopwatch.GetTimestamp() + (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
            while (Volatile.Read(ref current) == seen)
            {
                if (Stopwatch.GetTimestamp() > until) return false;
                Thread.SpinWait(16);
            }
            return true;
        }

        /// <summary>Sleeps until <see cref="Wake"/>, unless a job was posted after the spin gave up.</summary>
        private void Park(Job? seen)
        {
            Interlocked.Exchange(ref parked, 1);
            if (Volatile.Read(ref current) != seen)
            {
                // A caller may have seen `parked` and released the semaphore already: take that release back.
                if (Interlocked.Exchange(ref parked, 0) == 0) wakeUp.Wait();
                return;
            }
            wakeUp.Wait();
        }
    }
}
