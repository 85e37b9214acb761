using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Steering;

/// <summary>
/// Settings libtorch's native code reads from the environment once, when it loads — so they are set when this
/// assembly loads, before any Steering code can touch libtorch. A value the user set is left alone.
/// </summary>
/// <remarks>
/// <c>OMP_WAIT_POLICY=PASSIVE</c>: libtorch's OpenMP threads otherwise spin after every parallel operation waiting for
/// the next one. On a machine shared with other work — or with the decode kernels' helper threads
/// (<see cref="Models.Kernels.KernelThreads"/>) — a spinning thread holds a core someone else needs (the test suite
/// measured 5× the CPU time it needed). Passive waiting changes no result, only who gets the cores; set
/// <c>OMP_WAIT_POLICY=ACTIVE</c> to get spinning back on a dedicated machine.
/// <para>
/// <c>THP_MEM_ALLOC_ENABLE=1</c>: libtorch's CPU allocator then aligns allocations of 2 MiB and more to 2 MiB and asks
/// Linux for transparent huge pages on them (<c>madvise</c>, the mode most distributions ship, ignores memory that does
/// not ask). Loading writes every parameter once, and on 4 KiB pages that is one page fault per 4 KiB: measured on a
/// Llama-3.2-1B-shaped model, huge pages cut the CPU time of loading 3.4× (float32 43.8 → 12.7 s, bfloat16 10.1 → 2.9 s),
/// with the same resident memory. Elsewhere it does nothing: on Windows and macOS libtorch ignores the variable; set it
/// to 0 to keep 4 KiB pages.
/// </para>
/// </remarks>
internal static class NativeDefaults
{
    private const string WaitPolicy = "OMP_WAIT_POLICY";
    private const string HugePages = "THP_MEM_ALLOC_ENABLE";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "OpenMP reads its settings when libtorch loads; only an initializer runs before every path to libtorch.")]
    internal static void Apply()
    {
        if (Environment.GetEnvironmentVariable(WaitPolicy) is null) SetNative(WaitPolicy, "PASSIVE");
        if (Environment.GetEnvironmentVariable(HugePages) is null) SetNative(HugePages, "1");
    }

    /// <summary>Sets a variable in the C runtime's environment, which native libraries read (.NET keeps its own copy on Unix).</summary>
    private static void SetNative(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows()) _ = setenv(name, value, 1);
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
