using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Generation;
using Steering.Hooks;
using Steering.Models;
using Steering.Schema;
using Steering.Tokenization;
using static TorchSharp.torch;

namespace Steering;

/// <summary>
/// A decoder-only language model whose forward pass goes through named hook points (TransformerLens's
/// HookedTransformer). Load one from a Hugging Face folder with <see cref="Load"/>; read and change activations with
/// <see cref="Hooks"/> scopes; generate text with a KV cache with <see cref="Generate(string, GenerationOptions?)"/>.
/// </summary>
public abstract partial class HookedTransformer : IDisposable
{
    private bool _disposed;

    /// <summary>Builds the shared parts; architectures pass their schema, tokenizer and placement.</summary>
    private protected HookedTransformer(ModelSchema schema, TextTokenizer tokenizer, Device device, ScalarType dtype, int endOfTextTokenId)
    {
        Schema = schema;
        Hooks = new HookPointCollection(schema);
        Tokenizer = tokenizer;
        Device = device;
        DType = dtype;
        EndOfTextTokenId = endOfTextTokenId;
    }

    /// <summary>The model's identity, sizes and hook points: what <c>steer schema</c> writes.</summary>
    public ModelSchema Schema { get; }

    /// <summary>The model's sizes.</summary>
    public ModelDimensions Dimensions => Schema.Dimensions;

    /// <summary>The hook points by name; install hooks through <see cref="HookPointCollection.CreateScope"/>.</summary>
    public HookPointCollection Hooks { get; }

    /// <summary>The tokenizer that came with the model.</summary>
    public TextTokenizer Tokenizer { get; }

    /// <summary>Where the model computes.</summary>
    public Device Device { get; }

    /// <summary>The compute dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The end-of-text token: the default stop token, and the padding token of batched prompts.</summary>
    public int EndOfTextTokenId { get; }

    /// <summary>Notes from loading: checkpoint tensors the architecture does not use, and the like.</summary>
    public IReadOnlyList<string> LoadWarnings { get; private protected set; } = Array.Empty<string>();

    /// <summary>The number of parameters (tied weights counted once).</summary>
    public abstract long ParameterCount { get; }

    /// <summary>Loads a model from a Hugging Face folder (config.json, safetensors weights, tokenizer files).</summary>
    /// <exception cref="Checkpoints.CheckpointException">A file is missing, malformed or does not fit the architecture.</exception>
    /// <exception cref="SteeringException">The application has no working libtorch back end (the message names the fix).</exception>
    public static HookedTransformer Load(string folder, ModelLoadOptions? options = null)
    {
        TorchBackend.EnsureLoaded();
        return Architectures.Load(folder, options ?? new ModelLoadOptions());
    }

    /// <summary>The schema of the model in <paramref name="folder"/>, from its config.json alone (no weights read).</summary>
    public static ModelSchema ReadSchema(string folder, string? name = null) =>
        Architectures.ReadSchema(folder, name ?? DefaultName(folder));

    /// <summary>Saves the model as a Hugging Face folder: config.json, model.safetensors and tokenizer files where known.</summary>
    /// <param name="folder">The folder to write (created if needed).</param>
    /// <param name="storeAs">The dtype to store weights in (the compute dtype when null), e.g. Float16 to halve the size.</param>
    public abstract void Save(string folder, ScalarType? storeAs = null);

    /// <summary>
    /// One forward pass. <paramref name="inputIds"/> is [batch, pos] token ids; <paramref name="attentionMask"/>
    /// [batch, pos] is 1 at tokens and 0 at left padding (all 1 when null). With <paramref name="cache"/> the pass
    /// continues the cached sequences and extends the cache. Returns logits [batch, pos, d_vocab], owned by the caller.
    /// The pass follows the caller's autograd mode: loaded weights do not require gradients, so no graph is built
    /// unless a hook brings in a tensor that does (gradient-based steering vectors).
    /// </summary>
    /// <exception cref="SteeringException">Ids out of the vocabulary, a sequence longer than the context, or shapes that do not fit.</exception>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = NewDisposeScope();
        var ids = CheckIds(inputIds);
        var mask = CheckMask(attentionMask, ids);
        cache?.ThrowIfDisposed();
        if (cache is not null && cache.Length > 0 && cache.BatchSize != ids.shape[0])
            throw new SteeringException($"the KV cache holds {cache.BatchSize} sequences but the input has {ids.shape[0]}");

        var pastIsToken = cache?.IsToken;
        var keyIsToken = pastIsToken is null ? mask : cat(new[] { pastIsToken, mask }, 1);
        var pastTokens = pastIsToken is null ? zeros(ids.shape[0], 1, ScalarType.Int64, Device) : pastIsToken.sum(1, true, ScalarType.Int64);
        var positions = (pastTokens + mask.cumsum(1, ScalarType.Int64) - 1).clamp_min(0);
        var longest = positions.max().item<long>() + 1;
        if (longest > Dimensions.NCtx)
            throw new SteeringException($"a sequence reaches {longest} positions; the model's context is {Dimensions.NCtx}");

        var phase = cache is not null && cache.Length > 0 ? ForwardPhase.Decode : ForwardPhase.Prefill;
        var pass = new ForwardPass(positions, mask.logical_not(), phase, cache?.Length ?? 0);
        var bias = AttentionMask.Bias(keyIsToken, ids.shape[1], DType);
        try
        {
            var logits = ForwardCore(ids, pass, bias, cache);
            cache?.Commit(keyIsToken);
            return logits.MoveToOuterDisposeScope();
        }
        catch
        {
            cache?.Discard();
            throw;
        }
    }

    /// <summary>The logits of <paramref name="text"/> ([1, pos, d_vocab]).</summary>
    public Tensor Forward(string text)
    {
        using var scope = NewDisposeScope();
        return Forward(TokenTensor(Tokenizer.Encode(text))).MoveToOuterDisposeScope();
    }

    /// <summary>A new, empty KV cache for this model.</summary>
    public KvCache CreateCache() => new(Dimensions.NLayers);

    /// <summary>Installs one hook in a new scope; dispose the scope to remove it.</summary>
    public HookScope Hook([HookName] string hookName, HookFunction hook) => Hooks.CreateScope().Add(hookName, hook);

    /// <summary>Runs <paramref name="text"/> once, recording the activations at <paramref name="hookNames"/>.</summary>
    /// <returns>The logits and the cache (the caller disposes both).</returns>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(string text, [HookName] params string[] hookNames)
    {
        using var scope = Hooks.CreateScope();
        var cache = scope.Cache(hookNames);
        try
        {
            return (Forward(text), cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>Token ids as a [1, pos] tensor on the model's device.</summary>
    public Tensor TokenTensor(IReadOnlyList<int> ids) =>
        tensor(ids.Select(id => (long)id).ToArray(), new long[] { 1, ids.Count }, ScalarType.Int64, Device);

    /// <summary>The architecture's forward pass after the shared checks: ids [batch, pos] int64 → logits.</summary>
    private protected abstract Tensor ForwardCore(Tensor inputIds, ForwardPass pass, Tensor attentionBias, KvCache? cache);

    /// <summary>Frees the model's parameters.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the architecture's modules.</summary>
    protected abstract void Dispose(bool disposing);

    private protected static string DefaultName(string folder) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));

    private Tensor CheckIds(Tensor inputIds)
    {
        if (inputIds.dim() != 2 || inputIds.shape[1] == 0)
            throw new SteeringException($"input ids must be [batch, pos] with at least one position; got [{string.Join(", ", inputIds.shape)}]");
        if (inputIds.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Byte))
            throw new SteeringException($"input ids must be integers; got {inputIds.dtype}");
        var ids = inputIds.to(ScalarType.Int64, Device);
        long low = ids.min().item<long>(), high = ids.max().item<long>();
        if (low < 0 || high >= Dimensions.DVocab)
            throw new SteeringException($"token id {(low < 0 ? low : high)} is outside the vocabulary (0 to {Dimensions.DVocab - 1})");
        return ids;
    }

    private Tensor CheckMask(Tensor? attentionMask, Tensor ids)
    {
        if (attentionMask is null) return ones(ids.shape, ScalarType.Bool, Device);
        if (!attentionMask.shape.SequenceEqual(ids.shape))
            throw new SteeringException($"the attention mask is [{string.Join(", ", attentionMask.shape)}]; the input ids are [{string.Join(", ", ids.shape)}]");
        return attentionMask.to(Device).ne(0);
    }
}
