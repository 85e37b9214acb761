using System;
using System.Diagnostics;
using LLama;
using LLama.Native;
using Steering.LlamaCpp.Tests;

namespace Steering.Benchmarks;

/// <summary>
/// llama.cpp (through LLamaSharp) on a GGUF file, timed the way <see cref="PeerHarness"/> times Steering: greedy
/// KV-cached decode one token at a time, and prompt processing of a whole prompt in one batch, set up as the llama.cpp
/// tests compare logits (<see cref="LlamaCppSettings.Exact"/>), so both engines do the same arithmetic.
/// </summary>
public sealed class LlamaCppPeer : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;

    /// <summary>
    /// Sets OpenMP to sleep rather than spin while waiting: on 2 shared cores a spinning thread takes the core the other
    /// engine or process needs. Also keeps llama.cpp's loading chatter (hundreds of lines per model) out of the
    /// figures, passing on its errors. Call before libtorch or llama.cpp run anything.
    /// </summary>
    public static void Prepare()
    {
        LlamaCppSettings.SetNativeEnvironment("OMP_WAIT_POLICY", "PASSIVE");
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level == LLamaLogLevel.Error) Console.Error.Write(message);
        });
    }

    public LlamaCppPeer(string ggufPath, int threads, int contextSize)
    {
        var parameters = LlamaCppSettings.Exact(ggufPath, contextSize, threads);
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    /// <summary>
    /// Processes <paramref name="prompt"/> in one batch (logits of its last position only), then decodes
    /// <paramref name="newTokens"/> greedily; returns the prompt time and the time of the decode steps after it.
    /// </summary>
    public (TimeSpan Prompt, TimeSpan Decode) Generate(int[] prompt, int newTokens)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Length - 1);
        Decode(batch);
        var next = ArgMax(_context.NativeHandle.GetLogitsIth(prompt.Length - 1));
        var promptTime = watch.Elapsed;
        watch.Restart();
        for (var step = 1; step < newTokens; step++)
        {
            batch.Clear();
            batch.Add(next, prompt.Length + step - 1, LLamaSeqId.Zero, logits: true);
            Decode(batch);
            next = ArgMax(_context.NativeHandle.GetLogitsIth(0));
        }
        return (promptTime, watch.Elapsed);
    }

    private void Decode(LLamaBatch batch)
    {
        var result = _context.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {result}");
    }

    private static int ArgMax(Span<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
