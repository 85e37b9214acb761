using System;
using System.IO;
using System.Linq;
using System.Reflection;
using TorchSharp;

namespace Steering;

/// <summary>
/// Loads libtorch once, before the first model, so that an application without a working native back end gets an error
/// that names the fix. TorchSharp's own error says the app "doesn't contain a reference to libtorch-cpu-…" both when no
/// back-end package is referenced and when the native glue fails to load for another reason (an old libstdc++).
/// </summary>
internal static class TorchBackend
{
    private static readonly Lazy<string?> Problem = new(Probe);

    /// <exception cref="SteeringException">libtorch cannot be loaded; the message says why and what to add.</exception>
    public static void EnsureLoaded()
    {
        if (Problem.Value is { } problem) throw new SteeringException(problem);
    }

    private static string? Probe()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
            var torchSays = (e.InnerException ?? e).Message.Split('\n')[0].Trim();
            return HasNativeLibTorch(AppContext.BaseDirectory)
                ? $"libtorch is in {AppContext.BaseDirectory} but did not load (TorchSharp: {torchSays}). On Linux an old libstdc++ " +
                  "is the usual cause: the Steering package's build step fixes libLibTorchSharp.so in the output of a build or " +
                  "publish on such a system (set SteeringWeakenGlibcxx=true when building elsewhere)"
                : $"no libtorch back end: the application references no native libtorch. Add exactly one back-end package " +
                  $"to the application's project, e.g. <PackageReference Include=\"libtorch-cpu-linux-x64\" Version=\"{LibTorchVersion}\" /> " +
                  "(also -win-x64, -osx-arm64; TorchSharp-cuda-linux or TorchSharp-cuda-windows for CUDA)";
        }
    }

    /// <summary>
    /// Whether a back-end package put libtorch next to the application: in its folder (a RID-specific build or publish)
    /// or under runtimes/RID/native. Not the cpu/ folder TorchSharp fills from the NuGet cache when the app has none.
    /// </summary>
    private static bool HasNativeLibTorch(string folder)
    {
        var runtimes = Path.Combine(folder, "runtimes");
        var places = Directory.Exists(runtimes)
            ? Directory.EnumerateDirectories(runtimes).Select(rid => Path.Combine(rid, "native")).Where(Directory.Exists).Prepend(folder)
            : new[] { folder };
        return places.SelectMany(place => Directory.EnumerateFiles(place, "*torch_c*")).Select(Path.GetFileName)
            .Any(name => name!.StartsWith("libtorch_cpu.", StringComparison.Ordinal) || name.StartsWith("torch_cpu.", StringComparison.Ordinal)
                         || name.StartsWith("libtorch_cuda.", StringComparison.Ordinal) || name.StartsWith("torch_cuda.", StringComparison.Ordinal));
    }

    /// <summary>The libtorch version the Steering package was built against (Directory.Packages.props).</summary>
    private static string LibTorchVersion =>
        typeof(TorchBackend).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SteeringLibTorchVersion")?.Value ?? "(TorchSharp's libtorch version)";
}
