using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Steering.Checkpoints.Gguf;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--llama1b [--dir DIR] [--thread-counts 1,2] [--rounds 2] [--dtypes float32,bfloat16] [--prepare | --load-only] [--memory-map]</c>: loading and
/// running a Llama-3.2-1B-shaped model (<see cref="Llama1BCheckpoint"/>) beside llama.cpp on its GGUF export.
/// Writes the checkpoint into DIR (a temporary folder, deleted afterwards, when no DIR is given; an existing
/// checkpoint in DIR is reused) and exports it with <c>steer export --format gguf</c>'s code as F32 and BF16 GGUF files
/// (also reused); <c>--prepare</c> stops there, so the writing can run outside the benchmark lock. Then each compute
/// dtype is measured in a fresh child process, so that each one's peak resident set size (VmHWM) is its own and not
/// the writer's: Steering's load time and RSS against the weights' size, then llama.cpp on the GGUF of the same type
/// (float32 ↔ F32, bfloat16 ↔ BF16) in the same process, and at each thread count greedy decode and 1×128 prompt
/// processing of both engines, rounds alternating (<c>--load-only</c>: Steering's loading alone; <c>--memory-map</c>:
/// Steering loads with <see cref="ModelLoadOptions.MemoryMap"/>).
/// </summary>
public static class Llama1BHarness
{
    private const int PromptTokens = 16;
    private const int NewTokens = 32;
    private const int PrefillTokens = 128;
    private const int ContextSize = 256;

    /// <summary>The parent: write (or reuse) the checkpoint and its GGUF files, then one child per dtype.</summary>
    public static int Run(string? dir, IReadOnlyList<int> threadCounts, int rounds, IReadOnlyList<string> dtypes, bool prepareOnly, bool memoryMap)
    {
        var folder = dir ?? Path.Combine(Path.GetTempPath(), "steering-llama1b-" + Guid.NewGuid().ToString("N"));
        try
        {
            if (!File.Exists(Path.Combine(folder, "model.safetensors.index.json")))
            {
                var write = Stopwatch.StartNew();
                Llama1BCheckpoint.Write(folder);
                Console.WriteLine($"wrote {folder}: {Llama1BCheckpoint.ParameterCount / 1e9:F3}B parameters, " +
                    $"{Llama1BCheckpoint.WeightBytes(folder) / 1e9:F2} GB BF16 in {Directory.GetFiles(folder, "*.safetensors").Length} shards ({write.Elapsed.TotalSeconds:F0} s)");
            }
            Llama1BCheckpoint.AddTokenizer(folder);
            var export = Stopwatch.StartNew();
            var types = dtypes.Select(GgufType).ToList();
            if (types.Any(type => !File.Exists(Llama1BCheckpoint.GgufPath(folder, type))))
            {
                Llama1BCheckpoint.ExportGguf(folder, types);
                Console.WriteLine($"exported {string.Join(", ", types)} GGUF with GgufModelExport ({export.Elapsed.TotalSeconds:F0} s)");
            }
            if (prepareOnly) return 0;

            var failures = 0;
            foreach (var dtype in dtypes)
            {
                var child = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
                // Started as `dotnet Steering.Benchmarks.dll`, the process is the host: hand it the assembly again.
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") child.ArgumentList.Add(typeof(Llama1BHarness).Assembly.Location);
                foreach (var arg in new[] { "--llama1b-measure", folder, "--dtype", dtype, "--rounds", rounds.ToString(CultureInfo.InvariantCulture) })
                    child.ArgumentList.Add(arg);
                if (memoryMap) child.ArgumentList.Add("--memory-map");
                child.ArgumentList.Add(threadCounts.Count == 0 ? "--load-only" : "--thread-counts");
                if (threadCounts.Count > 0) child.ArgumentList.Add(string.Join(",", threadCounts));
                using var process = Process.Start(child)!;
                process.WaitForExit();
                if (process.ExitCode != 0) failures++;
            }
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            if (dir is null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The child: load <paramref name="folder"/> at <paramref name="dtypeName"/>, then both engines side by side.</summary>
    public static int Measure(string folder, string dtypeName, IReadOnlyList<int> threadCounts, int rounds, bool memoryMap)
    {
        LlamaCppPeer.Prepare();
        var dtype = dtypeName == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
        var weightBytes = Llama1BCheckpoint.WeightBytes(folder);
        Console.WriteLine();
        Console.WriteLine($"== compute dtype {dtypeName} — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {PeerHarness.LoadAverage()}, " +
            $"{Environment.ProcessorCount} logical cores, {PeerHarness.CpuModel()}");
        var rssBefore = Status("VmRSS");

        HookedTransformer? loaded = null;
        var (loadSeconds, loadCpu) = Timed(() => loaded = HookedTransformer.Load(folder, new ModelLoadOptions { DType = dtype, MemoryMap = memoryMap }));
        using var model = loaded!;
        var rssLoaded = Status("VmRSS");
        var parameterBytes = model.ParameterCount * (dtype == ScalarType.BFloat16 ? 2 : 4);
        var peakLoaded = Status("VmHWM");
        Console.WriteLine($"Steering load{(memoryMap ? " (memory-mapped)" : "")}: {loadSeconds:F1} s (process CPU time {loadCpu:F1} s); {model.ParameterCount / 1e9:F3}B parameters " +
            $"({parameterBytes / 1e9:F2} GB as {dtypeName}); BF16 safetensors on disk {weightBytes / 1e9:F2} GB");
        Console.WriteLine($"  RSS before load {Gb(rssBefore)}, after load {Gb(rssLoaded)}; peak {Gb(peakLoaded)}: " +
            $"(peak − before) = {(double)(peakLoaded - rssBefore) / parameterBytes:F2}× the parameters");

        if (threadCounts.Count == 0) return 0;

        var gguf = Llama1BCheckpoint.GgufPath(folder, GgufType(dtypeName));
        Console.WriteLine($"llama.cpp reads {Path.GetFileName(gguf)} ({new FileInfo(gguf).Length / 1e9:F2} GB, memory-mapped)");
        var prompt = BenchmarkModels.RandomPrompts(1, PromptTokens, model.Dimensions.DVocab)[0].ToArray();
        var longPrompt = BenchmarkModels.RandomPrompts(1, PrefillTokens, model.Dimensions.DVocab, BenchmarkModels.Seed + 2)[0].ToArray();
        foreach (var threads in threadCounts)
        {
            set_num_threads(threads);
            var rssBeforeLlama = Status("VmRSS");
            LlamaCppPeer? peer = null;
            var (llamaLoad, _) = Timed(() => peer = new LlamaCppPeer(gguf, threads, ContextSize));
            using var llama = peer!;
            Console.WriteLine($"-- {threads} thread{(threads == 1 ? "" : "s")} (libtorch intra-op {get_num_threads()}, llama.cpp {threads}); " +
                $"load average {PeerHarness.LoadAverage()}; llama.cpp load {llamaLoad:F1} s");
            PeerHarness.ComparePeers(model, llama, prompt, longPrompt, rounds, NewTokens, dtypeName);
            Console.WriteLine($"  RSS with both engines {Gb(Status("VmRSS"))} (llama.cpp +{Gb(Status("VmRSS") - rssBeforeLlama)}: its mapped file and buffers)");
        }
        Console.WriteLine($"peak RSS of the process (VmHWM) {Gb(Status("VmHWM"))}; load average {PeerHarness.LoadAverage()}");
        return 0;
    }

    /// <summary>The GGUF type llama.cpp computes with for Steering's compute dtype.</summary>
    private static GgmlType GgufType(string dtypeName) => dtypeName switch
    {
        "float32" => GgmlType.F32,
        "bfloat16" => GgmlType.BF16,
        _ => throw new ArgumentException($"--dtypes takes float32 and bfloat16, not {dtypeName}", nameof(dtypeName)),
    };

    /// <summary>
    /// Wall-clock and process CPU seconds (all threads) of <paramref name="work"/>. On a shared machine the CPU time is
    /// the steadier figure: waiting for a core adds wall time, not CPU time.
    /// </summary>
    private static (double Wall, double Cpu) Timed(Action work)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        work();
        var wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    /// <summary>A /proc/self/status field in bytes (VmRSS: resident now; VmHWM: peak resident).</summary>
    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static string Gb(long bytes) => $"{bytes / 1e9:F2} GB";
}
