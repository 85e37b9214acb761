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
/// the next one. On a machine shared with other work — or with the .NET thread pool, which runs the decode kernels'
/// second thread (<see cref="Models.Kernels.FewRowLinear"/>) — a spinning thread holds a core someone else needs (the
/// test suite measured 5× the CPU time it needed). Passive waiting changes no result, only who gets the cores; set
/// <c>OMP_WAIT_POLICY=ACTIVE</c> to get spinning back on a dedicated machine.
/// </remarks>
internal static class NativeDefaults
{
    private const string WaitPolicy = "OMP_WAIT_POLICY";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "OpenMP reads its settings when libtorch loads; only an initializer runs before every path to libtorch.")]
    internal static void Apply()
    {
        if (Environment.GetEnvironmentVariable(WaitPolicy) is null) SetNative(WaitPolicy, "PASSIVE");
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
