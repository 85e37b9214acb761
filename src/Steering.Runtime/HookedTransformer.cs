using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using Steering.Hooks;
using Steering.Models;
using Steering.Models.Decoder;
using Steering.Schema;
using Steering.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering;

/// <summary>
/// A decoder-only language model whose forward pass goes through named hook points (TransformerLens's
/// HookedTransformer). Load one from a Hugging Face folder with <see cref="Load"/>; read and change activations with
/// <see cref="Hooks"/> scopes; generate text with a KV cache with <see cref="Generate(string, GenerationOptions?)"/>.
/// </summary>
public partial class HookedTransformer : IDisposable
{
    private readonly DecoderNetwork _network;
    private readonly ModelParts _parts;
    private readonly Lazy<TextTokenizer?> _tokenizer;
    private bool _disposed;

    /// <summary>Builds the model from its family's parts, parameters uninitialized (loading or random init fills them).</summary>
    internal HookedTransformer(ModelParts parts)
    {
        _parts = parts;
        Layout = parts.Config.Layout;
        Layout.Validate();
        Schema = Layout.ToSchema(parts.Name);
        Hooks = new HookPointCollection(Schema);
        Device = TorchDevices.Parse(parts.Options.Device);
        DType = parts.Options.DType;
        SpecialTokens = parts.Tokens;
        _tokenizer = new Lazy<TextTokenizer?>(parts.Tokenizer.Load);
        _network = parts.Family.CreateNetwork(Layout, Hooks);
        WeightMap = parts.Family.WeightMap(Layout, _network);
    }

    /// <summary>The model's identity, sizes and hook points: what <c>steer schema</c> writes.</summary>
    public ModelSchema Schema { get; }

    /// <summary>The model's shape: norms, positions, attention and MLP kinds, per-layer attention settings.</summary>
    public DecoderLayout Layout { get; }

    /// <summary>The model's sizes.</summary>
    public ModelDimensions Dimensions => Schema.Dimensions;

    /// <summary>The hook points by name; install hooks through <see cref="HookPointCollection.CreateScope"/>.</summary>
    public HookPointCollection Hooks { get; }

    /// <summary>
    /// The tokenizer that came with the model, loaded on first use.
    /// </summary>
    /// <exception cref="SteeringException">The model has no tokenizer (the message says where it looked).</exception>
    public TextTokenizer Tokenizer => _tokenizer.Value ?? throw new SteeringException(_parts.Tokenizer.Missing);

    /// <summary>Whether the model has a tokenizer (text APIs need one; id-level APIs do not).</summary>
    public bool HasTokenizer => _tokenizer.Value is not null;

    /// <summary>Where the model computes.</summary>
    public Device Device { get; }

    /// <summary>The compute dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>BOS, every EOS (generation stops at any) and PAD (left padding; the first EOS when the files name none).</summary>
    public SpecialTokenIds SpecialTokens { get; }

    /// <summary>How parameters are named in Hugging Face checkpoints (module path → tensor name).</summary>
    public WeightMap WeightMap { get; }

    /// <summary>Notes from loading: checkpoint tensors the architecture does not use, and the like.</summary>
    public IReadOnlyList<string> LoadWarnings { get; private set; } = Array.Empty<string>();

    /// <summary>The number of parameters (tied weights counted once).</summary>
    public long ParameterCount => _network.parameters().Sum(p => p.numel());

    /// <summary>Loads a model from a Hugging Face folder (config.json, safetensors weights, tokenizer files when present).</summary>
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

    /// <summary>The layout of the model in <paramref name="folder"/>, from its config.json alone (no weights read).</summary>
    /// <exception cref="Checkpoints.CheckpointException">The config is missing, malformed or unsupported.</exception>
    public static DecoderLayout ReadLayout(string folder) => Architectures.ReadLayout(folder);

    /// <summary>
    /// A model with freshly initialized weights for a config.json text (any supported <c>model_type</c>), as Hugging
    /// Face initializes that family. Same seed, same weights. It has no tokenizer.
    /// </summary>
    /// <exception cref="Checkpoints.CheckpointException">The config is malformed or unsupported.</exception>
    public static HookedTransformer CreateRandom(string configJson, long seed, ModelLoadOptions? options = null) =>
        Architectures.CreateRandom(configJson, seed, options ?? new ModelLoadOptions());

    /// <summary>
    /// Saves the model as a Hugging Face folder: config.json, generation_config.json, model.safetensors under the
    /// family's tensor names, and tokenizer files when the model has a tokenizer.
    /// </summary>
    /// <param name="folder">The folder to write (created if needed).</param>
    /// <param name="storeAs">The dtype to store weights in (the compute dtype when null), e.g. Float16 to halve the size.</param>
    public void Save(string folder, ScalarType? storeAs = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WeightIO.Save(folder, _network.named_parameters(), WeightMap, storeAs ?? DType,
            _parts.Config.ToJson(SpecialTokens), SpecialTokenIdsReader.GenerationConfig(SpecialTokens));
        _tokenizer.Value?.SaveTo(folder);
    }

    /// <summary>The parameters by module path (for training and editing); <see cref="WeightMap"/> gives their checkpoint names.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => _network.named_parameters();

    /// <summary>
    /// One forward pass. <paramref name="inputIds"/> is [batch, pos] token ids; <paramref name="attentionMask"/>
    /// [batch, pos] is 1 at tokens and 0 at left padding (all 1 when null). With <paramref name="cache"/> the pass
    /// continues the cached sequences and extends the cache. Returns logits [batch, pos, d_vocab], owned by the caller.
    /// The pass follows the caller's autograd mode: loaded weights do not require gradients, so no graph is built
    /// unless a hook brings in a tensor that does (gradient-based steering vectors).
    /// </summary>
    /// <exception cref="SteeringException">Ids out of the vocabulary, a sequence longer than the context, or shapes that do not fit.</exception>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null) =>
        Forward(inputIds, attentionMask, cache, lastPositionLogits: false);

    /// <summary>
    /// <see cref="Forward(Tensor, Tensor?, KvCache?)"/> steered by <paramref name="steering"/> for this call only: the
    /// edits travel with the pass, so concurrent calls on this model with other specs (or none) never see them. Installed
    /// scopes' hooks still run, after the call's edits. Each row is its own sequence (CAST is decided per row); this
    /// call's positions are all the prompt.
    /// </summary>
    /// <exception cref="SteeringException">Bad ids or shapes, or a spec that does not fit the model.</exception>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache, SteeringSpec? steering)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var rows = steering is { IsEmpty: false } ? RowSteering.ForBatch(Hooks, steering, inputIds.shape[0]) : null;
        return Forward(inputIds, attentionMask, cache, lastPositionLogits: false, rows);
    }

    /// <summary>
    /// <see cref="Forward(Tensor, Tensor?, KvCache?)"/>, with logits [batch, 1, d_vocab] of the last position only when
    /// <paramref name="lastPositionLogits"/> (all hook points still see every position), and row r steered by
    /// <paramref name="steering"/>'s session r (this pass only).
    /// </summary>
    internal Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache, bool lastPositionLogits, RowSteering? steering = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = NewDisposeScope();
        var ids = CheckIds(inputIds);
        var mask = CheckMask(attentionMask, ids);
        cache?.ThrowIfDisposed();
        if (cache is not null && cache.Length > 0 && cache.BatchSize != ids.shape[0])
            throw new SteeringException($"the KV cache holds {cache.BatchSize} sequences but the input has {ids.shape[0]}");
        if (steering is not null && (!ReferenceEquals(steering.Points, Hooks) || steering.Rows.Count != ids.shape[0]))
            throw new SteeringException(!ReferenceEquals(steering.Points, Hooks)
                ? "the steering was made for another model than this one"
                : $"the steering has {steering.Rows.Count} rows but the input has {ids.shape[0]}");

        var pastIsToken = cache?.IsToken;
        var keyIsToken = pastIsToken is null ? mask : cat(new[] { pastIsToken, mask }, 1);
        var pastTokens = pastIsToken is null ? zeros(ids.shape[0], 1, ScalarType.Int64, Device) : pastIsToken.sum(1, true, ScalarType.Int64);
        var positions = (pastTokens + mask.cumsum(1, ScalarType.Int64) - 1).clamp_min(0);
        var longest = positions.max().item<long>() + 1;
        if (longest > Dimensions.NCtx)
            throw new SteeringException($"a sequence reaches {longest} positions; the model's context is {Dimensions.NCtx}");

        var phase = cache is not null && cache.Length > 0 ? ForwardPhase.Decode : ForwardPhase.Prefill;
        var pass = new ForwardPass(positions, mask.logical_not(), phase, cache?.Length ?? 0, ids, steering);
        var decoderPass = new DecoderPass(pass, new AttentionMask(keyIsToken, ids.shape[1], DType), DType, lastPositionLogits);
        try
        {
            var logits = _network.Forward(ids, decoderPass, cache);
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
    public HookScope Hook([HookName] HookTarget target, HookFunction hook) => Hooks.CreateScope().Add(target, hook);

    /// <summary>
    /// Removes every hook of every open scope and frees what the scopes own (TransformerLens's <c>reset_hooks</c>;
    /// see <see cref="HookPointCollection.Reset"/>).
    /// </summary>
    public void ResetHooks() => Hooks.Reset();

    /// <summary>
    /// One forward pass with <paramref name="hooks"/> installed for it only (TransformerLens's <c>run_with_hooks</c>):
    /// they are removed when the pass ends, also when it fails. Returns the logits, owned by the caller.
    /// </summary>
    /// <exception cref="SteeringException">An unknown or foreign hook target (nothing is installed then), or bad ids.</exception>
    public Tensor RunWithHooks(Tensor inputIds, params (HookTarget Target, HookFunction Hook)[] hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        var points = hooks.Select(h => Hooks.Resolve(h.Target)).ToList(); // every target checked before anything is installed
        using var scope = Hooks.CreateScope();
        for (var i = 0; i < hooks.Length; i++) scope.Add(points[i], hooks[i].Hook);
        return Forward(inputIds);
    }

    /// <summary>The same as the other <c>RunWithHooks</c>, on <paramref name="text"/>'s tokens ([1, pos, d_vocab] logits).</summary>
    public Tensor RunWithHooks(string text, params (HookTarget Target, HookFunction Hook)[] hooks)
    {
        using var scope = NewDisposeScope();
        return RunWithHooks(TokenTensor(Tokenizer.Encode(text)), hooks).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids as a [1, pos] tensor on the model's device.</summary>
    public Tensor TokenTensor(IReadOnlyList<int> ids) =>
        tensor(ids.Select(id => (long)id).ToArray(), new long[] { 1, ids.Count }, ScalarType.Int64, Device);

    /// <summary>Frees the model's parameters.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the network's parameters.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) _network.Dispose();
    }

    /// <summary>Fills the parameters from the checkpoint (in the compute dtype, on the device) and keeps the warnings.</summary>
    internal void LoadWeights(Checkpoints.CheckpointWeights weights)
    {
        Place();
        LoadWarnings = WeightIO.Load(_network.named_parameters().ToList(), WeightMap, weights, Layout.ModelType, _parts.Options.MemoryMap);
    }

    /// <summary>Hugging Face's random initialization for the family, from <paramref name="seed"/>, then placed.</summary>
    internal void Initialize(long seed)
    {
        _parts.Family.Initialize(_network, Layout, SpecialTokens, new Generator((ulong)seed));
        Place();
    }

    /// <summary>
    /// Moves the parameters to the compute dtype and device (a no-op for loaded models, whose parameters were allocated
    /// there; random initialization works in float32 on the CPU); an inference model needs no gradients.
    /// </summary>
    private void Place()
    {
        _network.to(DType).to(Device);
        foreach (var parameter in _network.parameters()) parameter.requires_grad = false;
        _network.eval();
    }

    internal static string DefaultName(string folder) =>
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
