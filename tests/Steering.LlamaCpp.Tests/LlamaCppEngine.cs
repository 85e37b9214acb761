using System;
using System.Collections.Generic;
using LLama;
using LLama.Native;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// A GGUF model loaded in real llama.cpp, set up for exact comparison: F32 K/V cache, flash attention off, one thread
/// (2 shared cores: OpenMP spin-waiting on a second thread only slows everything else down).
/// </summary>
public sealed class LlamaCppEngine : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;

    static LlamaCppEngine()
    {
        // libgomp reads its settings when the native library loads; .NET's SetEnvironmentVariable does not reach the C environment.
        LlamaCppSettings.SetNativeEnvironment("OMP_WAIT_POLICY", "PASSIVE");
        LlamaCppSettings.SetNativeEnvironment("OMP_NUM_THREADS", "1");
    }

    public LlamaCppEngine(string ggufPath, int contextSize = 64)
    {
        var parameters = LlamaCppSettings.Exact(ggufPath, contextSize, threads: 1);
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    public LLamaWeights Weights => _weights;

    public int EmbeddingLength => _weights.EmbeddingSize;

    public int VocabularySize => _weights.Vocab.Count;

    /// <summary>The logits at every position of <paramref name="ids"/>, from an empty cache: [pos][vocab].</summary>
    public float[][] Logits(IReadOnlyList<int> ids)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (var i = 0; i < ids.Count; i++) batch.Add(ids[i], i, LLamaSeqId.Zero, logits: true);
        var result = _context.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {result}");
        var logits = new float[ids.Count][];
        for (var i = 0; i < ids.Count; i++) logits[i] = _context.NativeHandle.GetLogitsIth(i).ToArray();
        return logits;
    }

    /// <summary>Applies a control vector laid out as llama_set_adapter_cvec takes it (layers 1 … n−1), or clears it (null).</summary>
    public unsafe void SetControlVector(float[]? data, int layerCount)
    {
        int status;
        if (data is null)
        {
            status = NativeApi.llama_set_adapter_cvec(_context.NativeHandle, null, 0, EmbeddingLength, 1, layerCount - 1);
        }
        else
        {
            fixed (float* pointer = data)
                status = NativeApi.llama_set_adapter_cvec(_context.NativeHandle, pointer, (nuint)data.Length, EmbeddingLength, 1, layerCount - 1);
        }
        if (status != 0) throw new InvalidOperationException($"llama_set_adapter_cvec returned {status}");
    }

    /// <summary>A metadata value of the loaded model, as llama.cpp read it.</summary>
    public string? Metadata(string key) => _weights.Metadata.TryGetValue(key, out var value) ? value : null;

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
