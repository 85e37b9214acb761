using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Running;

namespace Steering.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/Steering.Benchmarks -- [--quick [--threads N] | --threads-ab [--threads 2] [--rounds 3] | --kernels [--threads N] [--rounds 5] [--decode-only] | --gemm [--threads N] [--rounds 5] [--rows 16,32,128] [--dtypes float32] | --step-profile [--threads N] [--rounds 5] [--batch 1] [--model DIR [--dtype float32]] | --step-ab [--threads N] [--rounds 5] [--batches 1,8] [--model DIR [--dtype float32]] [--only CHANGE] | --serve [--clients 1,4,16,32] [--requests 32] [--tokens 16] [--threads N] | --peers [--thread-counts 1,2] [--rounds 3] [--own-only] | --llama1b [--dir DIR] [--thread-counts 1,2] [--rounds 2] [--dtypes float32,bfloat16] [--prepare | --load-only] [--memory-map] | BenchmarkDotNet arguments]</c>.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs in-process here (<c>--inProcess</c> is added unless <c>--outOfProcess</c> is given). Its default
/// toolchain generates, restores and builds a separate project under bin/ and runs that. That was not attempted on this
/// 2-core machine; we expect it to trip on the native libraries: the generated project would sit under tests/, so
/// tests/Directory.Build.props would make it a test project (xunit, and Microsoft.NET.Test.Sdk's generated entry point
/// next to BenchmarkDotNet's); it would not set UsesTorch, so Directory.Build.targets would not apply the Debian 12
/// libLibTorchSharp fix to its output (TorchSharp then fails to load with a misleading TypeInitializationException);
/// and every run would copy or link ~500 MB of libtorch natives. In-process keeps one build with the natives already
/// fixed; the cost is that all benchmarks share one process (GlobalSetup/Cleanup free each model; libtorch's thread
/// pool persists).
/// </remarks>
public static class Program
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var threads = Option(args, "--threads") is string n ? int.Parse(n, CultureInfo.InvariantCulture) : (int?)null;
        if (args.Contains("--kernels")) return KernelHarness.Run(threads ?? 1, Option(args, "--rounds") is string kr ? int.Parse(kr, CultureInfo.InvariantCulture) : 5, products: !args.Contains("--decode-only"));
        if (args.Contains("--gemm"))
            return GemmHarness.Run(threads ?? 1, Option(args, "--rounds") is string gr ? int.Parse(gr, CultureInfo.InvariantCulture) : 5,
                (Option(args, "--rows") ?? "16,32,128").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(),
                (Option(args, "--dtypes") ?? "float32").Split(','));
        if (args.Contains("--step-ab"))
            return StepProfileHarness.Compare(threads ?? 1, Option(args, "--rounds") is string ar ? int.Parse(ar, CultureInfo.InvariantCulture) : 5,
                (Option(args, "--batches") ?? "1,8").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(), Option(args, "--model"), Option(args, "--dtype") ?? "float32", Option(args, "--only"));
        if (args.Contains("--step-profile"))
            return StepProfileHarness.Run(threads ?? 1, Option(args, "--rounds") is string sr ? int.Parse(sr, CultureInfo.InvariantCulture) : 5, Option(args, "--batch") is string b ? int.Parse(b, CultureInfo.InvariantCulture) : 1,
                Option(args, "--model"), Option(args, "--dtype") ?? "float32");
        if (args.Contains("--quick")) return QuickHarness.Run(threads);
        if (args.Contains("--threads-ab")) return ThreadsHarness.Run(threads ?? 2, Option(args, "--rounds") is string tr ? int.Parse(tr, CultureInfo.InvariantCulture) : 3);
        if (args.Contains("--peers"))
        {
            return PeerHarness.Run(ThreadCounts(args), Option(args, "--rounds") is string r ? int.Parse(r, CultureInfo.InvariantCulture) : 3, ownOnly: args.Contains("--own-only"));
        }
        if (args.Contains("--serve"))
        {
            var clients = (Option(args, "--clients") ?? "1,4,16,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            return ServeHarness.Run(clients,
                Option(args, "--requests") is string r ? int.Parse(r, CultureInfo.InvariantCulture) : 32,
                Option(args, "--tokens") is string t ? int.Parse(t, CultureInfo.InvariantCulture) : 16,
                threads);
        }
        if (args.Contains("--llama1b") || Option(args, "--llama1b-measure") is not null)
        {
            var counts = ThreadCounts(args);
            var rounds = Option(args, "--rounds") is string lr ? int.Parse(lr, CultureInfo.InvariantCulture) : 2;
            // --load-only: Steering's loading alone (no thread counts to compare at).
            if (args.Contains("--load-only")) counts = [];
            if (Option(args, "--llama1b-measure") is string folder) return Llama1BHarness.Measure(folder, Option(args, "--dtype") ?? "float32", counts, rounds, args.Contains("--memory-map"));
            var dtypes = (Option(args, "--dtypes") ?? "float32,bfloat16").Split(',');
            return Llama1BHarness.Run(Option(args, "--dir"), counts, rounds, dtypes, prepareOnly: args.Contains("--prepare"), memoryMap: args.Contains("--memory-map"));
        }

        var outOfProcess = args.Contains("--outOfProcess");
        var benchmarkArgs = args.Where(a => a != "--outOfProcess").ToList();
        if (!outOfProcess && !benchmarkArgs.Any(a => a is "--inProcess" or "-i")) benchmarkArgs.Add("--inProcess");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(benchmarkArgs.ToArray());
        return 0;
    }

    /// <summary>The comma-separated <c>--thread-counts</c> (1,2 when not given).</summary>
    private static int[] ThreadCounts(string[] args) =>
        (Option(args, "--thread-counts") ?? "1,2").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The value after <paramref name="name"/>, or null.</summary>
    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
