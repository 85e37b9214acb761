using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Steering.Generation;
using Steering.Models;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// <c>--step-profile</c>: where the time of one greedy decode step goes, GPT-2-small shape (or the checkpoint of
/// <c>--model DIR</c> in <c>--dtype</c>, e.g. the <c>--llama1b</c> folder), batch 1 (or <c>--batch N</c>). First whole steps (the time between two yields of <see cref="HookedTransformer.GenerateSteps"/>),
/// then every part of a step alone with the shapes and counts a step has: the matrix products on the model's own
/// weights (in the step's order, so they stream from memory as in the step), and each op outside them, repeated as
/// often as one step runs it inside one dispose scope (so disposal is counted). Parts alone run with warm caches;
/// what the sum misses is the cost of the step's small ops running after the products have flushed the caches.
/// </summary>
public static class StepProfileHarness
{
    /// <summary>The changes of the decode step that can be switched off, to time each against the step without it.</summary>
    private static readonly (string Name, Action<bool> Switch)[] Changes =
    {
        ("decode attention in one kernel call", on => SingleQueryAttention.Enabled = on),
        ("greedy argmax in C#", on => GreedyArgmax.Enabled = on),
    };

    /// <summary>
    /// <c>--step-ab</c>: each change of <see cref="Changes"/> off and on, alternating within every round (whole greedy
    /// decodes, tokens/s over all sequences), batch 1 and <paramref name="batches"/>.
    /// </summary>
    public static int Compare(int threads, int rounds, int[] batches, string? modelFolder, string dtype, string? only)
    {
        set_num_threads(threads);
        Console.WriteLine($"decode step changes, off vs on — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {PeerHarness.CpuModel()}, {get_num_threads()} thread(s)");
        Console.WriteLine($"load average at start: {PeerHarness.LoadAverage()}; tokens/s, median [best] of {rounds} rounds after a warm-up, off and on alternating");
        using var model = Model(modelFolder, dtype);
        // --only NAME times that change alone (a big model's decodes take long).
        var timed = only is null ? Changes.Append(("all of them", on => Array.ForEach(Changes, c => c.Switch(on)))) : Changes.Where(c => c.Name.StartsWith(only, StringComparison.Ordinal));
        foreach (var (name, change) in timed)
        {
            foreach (var batch in batches)
            {
                var prompts = BenchmarkModels.RandomPrompts(batch, GenerationBenchmarks.PromptTokens, model.Dimensions.DVocab);
                var rates = new[] { new List<double>(), new List<double>() };
                try
                {
                    for (var round = -1; round < rounds; round++)
                    {
                        foreach (var on in new[] { false, true })
                        {
                            change(on);
                            var rate = PeerHarness.DecodeRate(model, prompts);
                            if (round >= 0) rates[on ? 1 : 0].Add(rate);
                        }
                    }
                }
                finally
                {
                    change(true);
                }
                Console.WriteLine($"  {name,-40} batch {batch}: off {QuickHarness.Median(rates[0]),6:F1} [{rates[0].Max(),6:F1}]  on {QuickHarness.Median(rates[1]),6:F1} [{rates[1].Max(),6:F1}]  {QuickHarness.Median(rates[1]) / QuickHarness.Median(rates[0]),5:F3}×");
            }
        }
        Console.WriteLine($"load average at end: {PeerHarness.LoadAverage()}");
        return 0;
    }

    public static int Run(int threads, int rounds, int batch, string? modelFolder, string dtype)
    {
        set_num_threads(threads);
        Console.WriteLine($"decode step profile — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {PeerHarness.CpuModel()}, {get_num_threads()} thread(s), batch {batch}");
        Console.WriteLine($"load average at start: {PeerHarness.LoadAverage()}; figures: median [best] of {rounds} rounds, µs per step");
        using var model = Model(modelFolder, dtype);
        var prompts = BenchmarkModels.RandomPrompts(batch, GenerationBenchmarks.PromptTokens, model.Dimensions.DVocab);
        using var noGrad = no_grad();

        InSitu(model, prompts, rounds);
        if (modelFolder is not null)
        {
            // The parts below are GPT-2's (its weight names and shapes); another model gets its whole steps only.
            var steps = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                if (WholeSteps(model, prompts) is var (perStep, _) && round >= 0) steps.Add(perStep);
            }
            Console.WriteLine($"  whole step (GenerateSteps, prompt excluded)      {Figure(steps)}");
            return 0;
        }

        // Whole steps and the parts alone alternate within every round, so outside load falls on both alike.
        var step = new List<double>();
        var allocated = 0.0;
        var parts = Parts(model, batch).ToList();
        var times = parts.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)
        {
            var (perStep, bytes) = WholeSteps(model, prompts);
            for (var p = 0; p < parts.Count; p++)
            {
                var value = parts[p].Cold is { } flush ? Cold(parts[p].Run, parts[p].Count, flush) : Repeat(parts[p].Run, parts[p].Count);
                if (round >= 0) times[p].Add(value);
            }
            if (round < 0) continue;
            step.Add(perStep);
            allocated = bytes;
        }
        Console.WriteLine($"  whole step (GenerateSteps, prompt excluded)      {Figure(step)}   .NET bytes allocated per step: {allocated:F0}");
        var sum = 0.0;
        for (var p = 0; p < parts.Count; p++)
        {
            var median = QuickHarness.Median(times[p]);
            sum += median;
            Console.WriteLine($"  {parts[p].Name,-44} ×{parts[p].Count,-3} {Figure(times[p])}  {median / QuickHarness.Median(step) * 100,5:F1}%");
        }
        Console.WriteLine($"  sum of the parts                                {sum,9:F0}            {sum / QuickHarness.Median(step) * 100,5:F1}%");
        Console.WriteLine($"load average at end: {PeerHarness.LoadAverage()}");
        return 0;
    }

    /// <summary>The GPT-2-small-shaped benchmark model, or the checkpoint in <paramref name="folder"/> in <paramref name="dtype"/>.</summary>
    private static HookedTransformer Model(string? folder, string dtype) => folder is null
        ? BenchmarkModels.Create(BenchmarkModels.Gpt2Small)
        : HookedTransformer.Load(folder, new ModelLoadOptions { DType = dtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32 });

    /// <summary>
    /// The step timed from inside: a timestamp at every hook point (a reading hook; the attention scores and pattern
    /// stay unhooked so the fused attention path runs) and at each yield; each stretch between two consecutive points
    /// (µs per step, summed over the layers) says what ran between them. The hooks add well under a µs each.
    /// </summary>
    private static void InSitu(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts, int rounds)
    {
        // Marks are only recorded during the steps (names interned, ticks in a preallocated array) and read afterwards,
        // so the harness adds nothing between a yield and the next pass but two array writes.
        var names = new List<string> { "(yield)" };
        var points = new int[1 << 20];
        var ticks = new long[1 << 20];
        var count = 0;
        using var scope = model.Hooks.CreateScope();
        foreach (var point in model.Hooks)
        {
            // q, k, v (rotated or not), the scores and the pattern stay unhooked, so attention takes the step's own
            // (unobserved) path.
            if (new[] { ".attn.q", ".attn.k", ".attn.v", ".attn.rot_q", ".attn.rot_k", ".attn.scores", ".attn.pattern" }.Any(site => point.Name.EndsWith(site, StringComparison.Ordinal))) continue;
            var id = names.Count;
            names.Add(point.Name.StartsWith("blocks.", StringComparison.Ordinal) ? point.Name[(point.Name.IndexOf('.', 7) + 1)..] : point.Name);
            scope.Add(point, (_, _) =>
            {
                points[count] = id;
                ticks[count++] = Stopwatch.GetTimestamp();
                return null;
            });
        }
        var stretches = new Dictionary<string, double>();
        var order = new List<string>();
        var steps = 0;
        for (var round = -1; round < rounds; round++)
        {
            count = 0;
            var stepStarts = new List<int>();
            foreach (var _ in model.GenerateSteps(prompts, GenerationBenchmarks.Options))
            {
                points[count] = 0;
                ticks[count++] = Stopwatch.GetTimestamp();
                stepStarts.Add(count - 1);
            }
            if (round < 0) continue;
            // From the first step's yield on: every stretch belongs to a decode step (the prompt pass comes before it).
            for (var m = stepStarts[0] + 1; m < count; m++)
            {
                var key = $"{names[points[m - 1]]} → {names[points[m]]}";
                if (!stretches.ContainsKey(key))
                {
                    stretches[key] = 0;
                    order.Add(key);
                }
                stretches[key] += Stopwatch.GetElapsedTime(ticks[m - 1], ticks[m]).TotalMicroseconds;
            }
            steps += stepStarts.Count - 1;
        }
        Console.WriteLine($"  in the step (reading hooks as timestamps; µs per step summed over layers, mean over {steps} steps):");
        var total = stretches.Values.Sum() / steps;
        foreach (var key in order)
        {
            var perStep = stretches[key] / steps;
            if (perStep >= 1) Console.WriteLine($"    {key,-56} {perStep,8:F0}  {perStep / total * 100,5:F1}%");
        }
        Console.WriteLine($"    {"total",-56} {total,8:F0}");
    }

    /// <summary>The median time of one step (µs) over one 64-token generation, and the .NET bytes it allocated.</summary>
    private static (double Micros, double Bytes) WholeSteps(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        var times = new List<double>();
        var watch = Stopwatch.StartNew();
        long bytesAfterPrompt = 0;
        foreach (var _ in model.GenerateSteps(prompts, GenerationBenchmarks.Options))
        {
            if (times.Count == 0 && bytesAfterPrompt == 0) bytesAfterPrompt = GC.GetAllocatedBytesForCurrentThread();
            else times.Add(watch.Elapsed.TotalMicroseconds);
            watch.Restart();
        }
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - bytesAfterPrompt) / (double)times.Count;
        return (QuickHarness.Median(times), bytes);
    }

    /// <summary>µs to run <paramref name="part"/> <paramref name="count"/> times in one dispose scope (disposal included), best of 5.</summary>
    private static double Repeat(Action part, int count)
    {
        var best = double.MaxValue;
        for (var trial = 0; trial < 5; trial++)
        {
            var watch = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                for (var i = 0; i < count; i++) part();
            }
            best = Math.Min(best, watch.Elapsed.TotalMicroseconds);
        }
        return best;
    }

    /// <summary>
    /// µs to run <paramref name="part"/> <paramref name="count"/> times, each time right after <paramref name="flush"/>
    /// (a matrix product, untimed) as in the step, where each small op follows a product that streamed megabytes of
    /// weights through the caches.
    /// </summary>
    private static double Cold(Action part, int count, Action<int> flush)
    {
        var total = 0.0;
        using var scope = NewDisposeScope();
        for (var i = 0; i < count; i++)
        {
            flush(i);
            var watch = Stopwatch.StartNew();
            part();
            total += watch.Elapsed.TotalMicroseconds;
        }
        return total;
    }

    /// <summary>One part of a step: its name, how often a step runs it, the work, and (when set) the product each run follows, untimed.</summary>
    private sealed record Part(string Name, int Count, Action Run, Action<int>? Cold = null);

    /// <summary>Every part of a decode step with the shapes of a step at position ~48 (16-token prompt, 64 new tokens).</summary>
    private static IEnumerable<Part> Parts(HookedTransformer model, int batch)
    {
        var d = model.Dimensions;
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => (Tensor)p.Parameter);
        const int Past = 48;
        var x = randn(batch, 1, d.DModel).DetachFromDisposeScope();
        var hidden = randn(batch, 1, d.DMlp).DetachFromDisposeScope();
        var products = new List<(Tensor Input, Tensor Weight, Tensor Bias)>();
        for (var layer = 0; layer < d.NLayers; layer++)
        {
            foreach (var (name, input) in new[] { ("attn.c_attn", x), ("attn.c_proj", x), ("mlp.c_fc", x), ("mlp.c_proj", hidden) })
                products.Add((input, weights[$"h.{layer}.{name}.weight"], weights[$"h.{layer}.{name}.bias"]));
        }
        for (var kind = 0; kind < 4; kind++)
        {
            var ofKind = products.Where((_, i) => i % 4 == kind).ToArray();
            yield return new($"products: {d.NLayers} × {new[] { "c_attn", "attn c_proj", "c_fc", "mlp c_proj" }[kind]}", 1, () =>
            {
                foreach (var (input, weight, bias) in ofKind) CpuLinear.Conv1D(input, weight, bias);
            });
        }
        yield return new("products: LM head 768→50257", 1, () => CpuLinear.Linear(x, weights["wte.weight"], null));

        var lnWeight = weights["h.0.ln_1.weight"];
        var lnBias = weights["h.0.ln_1.bias"];
        yield return new("layer_norm [b,1,768]", 2 * d.NLayers + 1, () => nn.functional.layer_norm(x, new long[] { d.DModel }, lnWeight, lnBias, 1e-5));
        yield return new("residual add [b,1,768]", 2 * d.NLayers + 1, () => _ = x + x);
        yield return new("gelu tanh [b,1,3072]", d.NLayers, () => nn.functional.gelu(hidden, TorchSharp.Modules.GELU.Approximate.tanh));
        var qkvOut = randn(batch, 1, 3 * d.DModel).DetachFromDisposeScope();
        yield return new("split qkv + 3 view + 3 transpose", d.NLayers, () =>
        {
            var qkv = qkvOut.split(d.DModel, 2);
            foreach (var t in qkv) t.view(batch, 1, d.NHeads, d.DHead).transpose(1, 2);
        });

        var cache = new KvCache(d.NLayers);
        var keys = randn(batch, d.NHeads, Past, d.DHead);
        var newKey = randn(batch, 1, d.NHeads, d.DHead).DetachFromDisposeScope().transpose(1, 2);
        using (NewDisposeScope())
        {
            // Twice, so the second grows the buffers (to twice the length) and appends measured below do not.
            for (var layer = 0; layer < d.NLayers; layer++) cache.Extend(layer, keys, keys);
            cache.Commit(ones(batch, Past, ScalarType.Bool));
            for (var layer = 0; layer < d.NLayers; layer++) cache.Extend(layer, newKey, newKey);
            cache.Commit(ones(batch, Past + 1, ScalarType.Bool));
        }
        keys.Dispose();
        yield return new("KV cache append (2 narrow+copy_+narrow)", d.NLayers, () => cache.Extend(0, newKey, newKey));

        var query = randn(batch, d.NHeads, 1, d.DHead).DetachFromDisposeScope();
        var (allKeys, allValues) = cache.Extend(0, newKey, newKey);
        allKeys.DetachFromDisposeScope();
        allValues.DetachFromDisposeScope();
        var isToken = ones(batch, Past + 2, ScalarType.Bool).DetachFromDisposeScope();
        var bias = new AttentionMask(isToken, 1, ScalarType.Float32).Bias().DetachFromDisposeScope();
        yield return new("SDPA, 1 query × 50 keys, with bias", d.NLayers, () => nn.functional.scaled_dot_product_attention(query, allKeys, allValues, bias));
        var qkvQuery = qkvOut.split(d.DModel, 2)[0].view(batch, 1, d.NHeads, d.DHead).transpose(1, 2).DetachFromDisposeScope();
        yield return new("SDPA as in the step (q a view of the qkv output)", d.NLayers, () => nn.functional.scaled_dot_product_attention(qkvQuery, allKeys, allValues, bias));
        var (kernelKeys, kernelValues, kernelCached) = cache.Reserve(0, new[] { batch, d.NHeads, 1L, d.DHead }, ScalarType.Float32, CPU);
        var span = d.NHeads * d.DHead;
        var step = new SingleQuery(batch, d.NHeads, d.NHeads, d.DHead, new NewHeads(qkvOut, 0, 3 * span), new NewHeads(qkvOut, span, 3 * span),
            new NewHeads(qkvOut, 2 * span, 3 * span), bias, 0.125, Softcap: null, Rotary: null);
        yield return new("decode attention kernel (SingleQueryAttention)", d.NLayers, () => SingleQueryAttention.TryCompute(step, kernelKeys, kernelValues, kernelCached));
        yield return new("z transpose + reshape [b,1,768]", d.NLayers, () => query.transpose(1, 2).transpose(1, 2).reshape(batch, 1, d.DModel));
        yield return new("attention mask bias (per pass)", 1, () => new AttentionMask(isToken, 1, ScalarType.Float32).Bias());

        var last = Enumerable.Range(0, batch).Select(i => (long)i).ToArray();
        var pastIsToken = ones(batch, Past, ScalarType.Bool).DetachFromDisposeScope();
        yield return new("pass preamble (ids, mask, positions, checks)", 1, () =>
        {
            // HookedTransformer.Forward before the network: the same calls, on a step's shapes.
            var ids = tensor(last, new long[] { batch, 1 }, ScalarType.Int64).to(ScalarType.Int64, CPU);
            _ = ids.min().item<long>() + ids.max().item<long>();
            var mask = ones(ids.shape, ScalarType.Bool);
            var keyIsToken = cat(new[] { pastIsToken, mask }, 1);
            var positions = (pastIsToken.sum(1, true, ScalarType.Int64) + mask.cumsum(1, ScalarType.Int64) - 1).clamp_min(0);
            _ = positions.max().item<long>();
            _ = mask.logical_not();
            _ = keyIsToken;
        });
        var wte = weights["wte.weight"];
        var wpe = weights["wpe.weight"];
        var ids1 = zeros(batch, 1, ScalarType.Int64).DetachFromDisposeScope();
        yield return new("embeddings: 2 index_select + view + add", 1, () =>
            _ = wte.index_select(0, ids1.reshape(-1)).view(batch, 1, d.DModel) + wpe.index_select(0, ids1.reshape(-1)).view(batch, 1, d.DModel));
        var logits = randn(batch, 1, d.DVocab).DetachFromDisposeScope();
        yield return new("next token: logits[.., -1].argmax → long[]", 1, () => _ = logits[.., -1].argmax(-1).cpu().data<long>().ToArray());
        yield return new("next token: argmax in C# (GreedyArgmax)", 1, () => GreedyArgmax.TryCompute(logits));
        yield return new("head input narrow (last position)", 1, () => x.narrow(1, 0, 1));
        yield return new("empty dispose scope", 2, () => NewDisposeScope().Dispose());

        // The same ops, each right after a product (as in the step): what a small op costs once the caches are cold.
        void Flush(int i)
        {
            var (input, weight, productBias) = products[(i * 5) % products.Count];
            CpuLinear.Conv1D(input, weight, productBias);
        }
        yield return new("cold: layer_norm", 2 * d.NLayers + 1, () => nn.functional.layer_norm(x, new long[] { d.DModel }, lnWeight, lnBias, 1e-5), Flush);
        yield return new("cold: residual add", 2 * d.NLayers + 1, () => _ = x + x, Flush);
        yield return new("cold: gelu", d.NLayers, () => nn.functional.gelu(hidden, TorchSharp.Modules.GELU.Approximate.tanh), Flush);
        yield return new("cold: KV cache append", d.NLayers, () => cache.Extend(0, newKey, newKey), Flush);
        yield return new("cold: SDPA as in the step", d.NLayers, () => nn.functional.scaled_dot_product_attention(qkvQuery, allKeys, allValues, bias), Flush);
        yield return new("cold: decode attention kernel", d.NLayers, () => SingleQueryAttention.TryCompute(step, kernelKeys, kernelValues, kernelCached), Flush);
        yield return new("cold: a 768-float copy in C# (no libtorch)", d.NLayers, () => CopyInCSharp(x, hidden), Flush);
    }

    private static void CopyInCSharp(Tensor from, Tensor to) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(from.bytes).CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(to.bytes));

    private static string Figure(List<double> values) => $"{QuickHarness.Median(values),9:F0} [{values.Min(),9:F0}]";
}
