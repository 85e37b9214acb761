using System.Runtime.InteropServices;
using LLama.Common;
using LLama.Native;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// llama.cpp set up to do the arithmetic Steering does: F32 K/V cache, flash attention off, CPU only (with either,
/// logits move by ~1e-4; platform-notes.md). Shared by the llama.cpp tests and the benchmarks' peer (linked file).
/// </summary>
public static class LlamaCppSettings
{
    /// <summary>Parameters for <paramref name="ggufPath"/> with room for <paramref name="contextSize"/> positions, all decodable in one batch.</summary>
    public static ModelParams Exact(string ggufPath, int contextSize, int threads) => new(ggufPath)
    {
        ContextSize = (uint)contextSize,
        BatchSize = (uint)contextSize,
        UBatchSize = (uint)contextSize,
        Threads = threads,
        BatchThreads = threads,
        GpuLayerCount = 0,
        TypeK = GGMLType.GGML_TYPE_F32,
        TypeV = GGMLType.GGML_TYPE_F32,
        FlashAttention = false,
    };

    /// <summary>
    /// Sets a variable in the C environment, where libgomp reads its settings once, when the first native library using
    /// it loads (.NET's SetEnvironmentVariable does not reach it): call before llama.cpp or libtorch run anything.
    /// </summary>
    public static void SetNativeEnvironment(string name, string value) => _ = setenv(name, value, 1);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);
}
