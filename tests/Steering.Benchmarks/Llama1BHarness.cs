using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--llama1b [--dir DIR] [--threads N]</c>: loading and running a Llama-3.2-1B-shaped model (<see cref="Llama1BCheckpoint"/>).
/// Writes the checkpoint into DIR (a temporary folder, deleted afterwards, when no DIR is given; an existing
/// checkpoint in DIR is reused), then measures each compute dtype in a fresh child process, so that each one's peak
/// resident set size (VmHWM) is its own and not the writer's: load time, RSS after loading and at peak against the
/// weights' size, a 1×128 forward pass, and KV-cached greedy tokens/s.
/// </summary>
public static class Llama1BHarness
{
    private const int ForwardTokens = 128;
    private const int ForwardRuns = 3;
    private const int PromptTokens = 16;
    private const int NewTokens = 32;

    /// <summary>The parent: write (or reuse) the checkpoint, then one child per dtype.</summary>
    public static int Run(string? dir, int? threads)
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
            var failures = 0;
            foreach (var dtype in new[] { "float32", "bfloat16" })
            {
                var child = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
                // Started as `dotnet Steering.Benchmarks.dll`, the process is the host: hand it the assembly again.
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") child.ArgumentList.Add(typeof(Llama1BHarness).Assembly.Location);
                foreach (var arg in new[] { "--llama1b-measure", folder, "--dtype", dtype }) child.ArgumentList.Add(arg);
                if (threads is int n)
                {
                    child.ArgumentList.Add("--threads");
                    child.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
                }
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

    /// <summary>The child: load <paramref name="folder"/> at <paramref name="dtypeName"/> and measure.</summary>
    public static int Measure(string folder, string dtypeName, int? threads)
    {
        if (threads is int count) set_num_threads(count);
        var dtype = dtypeName == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
        var weightBytes = Llama1BCheckpoint.WeightBytes(folder);
        Console.WriteLine();
        Console.WriteLine($"== compute dtype {dtypeName}, {get_num_threads()} intra-op threads ==");
        var rssBefore = Status("VmRSS");

        HookedTransformer? loaded = null;
        var (loadSeconds, loadCpu) = Timed(() => loaded = HookedTransformer.Load(folder, new ModelLoadOptions { DType = dtype }));
        using var model = loaded!;
        var rssLoaded = Status("VmRSS");
        Console.WriteLine($"load: {loadSeconds:F1} s (process CPU time {loadCpu:F1} s); {model.ParameterCount / 1e9:F3}B parameters; weights on disk {weightBytes / 1e9:F2} GB");
        Console.WriteLine($"  RSS before load {Gb(rssBefore)}, after load {Gb(rssLoaded)} (+{Gb(rssLoaded - rssBefore)} = {(double)(rssLoaded - rssBefore) / weightBytes:F2}× the weights' size), peak so far {Gb(Status("VmHWM"))}");

        using var ids = BenchmarkModels.RandomIds(1, ForwardTokens, model.Dimensions.DVocab);
        var times = new List<(double Wall, double Cpu)>();
        for (var run = -1; run < ForwardRuns; run++)
        {
            var time = Timed(() => BenchmarkModels.Forward(model, ids));
            if (run >= 0) times.Add(time);
        }
        var forward = times.OrderBy(t => t.Wall).ElementAt(times.Count / 2);
        Console.WriteLine($"forward 1×{ForwardTokens}: median {forward.Wall * 1000:F0} ms of {ForwardRuns} (best {times.Min(t => t.Wall) * 1000:F0} ms) " +
            $"= {ForwardTokens / forward.Wall:F1} tokens/s; process CPU time {forward.Cpu:F1} s");

        var prompts = BenchmarkModels.RandomPrompts(1, PromptTokens, model.Dimensions.DVocab);
        var options = GenerationBenchmarks.Options with { MaxNewTokens = NewTokens };
        GenerationBenchmarks.Count(model, prompts, options with { MaxNewTokens = 2 });
        var produced = 0;
        var (seconds, cpu) = Timed(() => produced = GenerationBenchmarks.Count(model, prompts, options));
        Console.WriteLine($"KV-cached greedy: {PromptTokens}-token prompt, {produced} new tokens in {seconds:F1} s = {produced / seconds:F2} tokens/s " +
            $"(prefill included); process CPU time {cpu:F1} s = {cpu / produced:F2} CPU-s per token");
        Console.WriteLine($"peak RSS (VmHWM) {Gb(Status("VmHWM"))} = {(double)Status("VmHWM") / weightBytes:F2}× the weights' size");
        return produced == NewTokens ? 0 : 1;
    }

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
