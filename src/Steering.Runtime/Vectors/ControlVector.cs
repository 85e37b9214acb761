using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Steering.Checkpoints;
using Steering.Checkpoints.Gguf;
using Steering.Editing;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// A llama.cpp control vector (the GGUF file <c>llama-server --control-vector</c> and repeng read and write): one
/// direction per layer N ≥ 1, which llama.cpp adds to the output of 0-based block N after its MLP residual add — our
/// <c>blocks.N.resid_post</c> (the same tensor as <c>blocks.{N+1}.resid_pre</c>).
/// </summary>
/// <remarks>
/// The file holds <c>general.architecture = "controlvector"</c>, <c>controlvector.model_hint</c>,
/// <c>controlvector.layer_count</c> (the number of directions) and one 1-D F32 tensor <c>direction.N</c> per layer.
/// llama.cpp has no slot for layer 0, so nothing can be added at <c>blocks.0.resid_post</c>; directions for the same
/// layer add up, as llama.cpp sums them when it loads several files.
/// </remarks>
public sealed class ControlVector : IDisposable
{
    /// <summary>The <c>general.architecture</c> of a control-vector file.</summary>
    public const string Architecture = "controlvector";

    private const string DirectionPrefix = "direction.";
    private const string ModelHintKey = Architecture + ".model_hint";
    private const string LayerCountKey = Architecture + ".layer_count";

    private readonly SortedDictionary<int, Tensor> _directions;

    private ControlVector(SortedDictionary<int, Tensor> directions, string? modelHint)
    {
        _directions = directions;
        ModelHint = modelHint;
    }

    /// <summary>The directions by layer N (added at <c>blocks.N.resid_post</c>), float32 [n_embd] CPU tensors owned by this object.</summary>
    public IReadOnlyDictionary<int, Tensor> Directions => _directions;

    /// <summary>The model the vector was made for (<c>controlvector.model_hint</c>, e.g. "gpt2"), when recorded.</summary>
    public string? ModelHint { get; }

    /// <summary>The residual stream width the directions have.</summary>
    public long EmbeddingLength => _directions.First().Value.shape[0];

    /// <summary>The hook point where llama.cpp adds the direction of layer <paramref name="layer"/>.</summary>
    public static string HookOf(int layer) => HookNames.Block(layer, HookSites.ResidPost);

    /// <summary>
    /// The control-vector layer that adds at <paramref name="hookName"/>: N for <c>blocks.N.resid_post</c> and
    /// <c>blocks.{N+1}.resid_pre</c>, N ≥ 1.
    /// </summary>
    /// <exception cref="SteeringException">Any other point, with the reason.</exception>
    public static int LayerOf(string hookName)
    {
        ArgumentNullException.ThrowIfNull(hookName);
        var name = HookNames.Canonicalize(hookName);
        if (!HookNames.TryParse(name, out var parsed) || parsed.Layer is not { } block
            || parsed.Site is not (HookSites.ResidPost or HookSites.ResidPre))
            throw new SteeringException(
                $"'{name}' is not a residual-stream point between blocks; a llama.cpp control vector adds only at blocks.N.resid_post (= blocks.{{N+1}}.resid_pre), N >= 1");
        var layer = parsed.Site == HookSites.ResidPost ? block : block - 1;
        if (layer < 0)
            throw new SteeringException($"'{name}' is the embedding output, before any block; a llama.cpp control vector cannot add there");
        if (layer == 0)
            throw new SteeringException(
                $"'{name}' is the output of block 0; llama.cpp's control vectors have no slot for layer 0 (direction.0 is invalid) — steer blocks.1.resid_post or later, or fold the vector into the weights");
        return layer;
    }

    /// <summary>
    /// A control vector of <paramref name="additions"/> for a model of <paramref name="dimensions"/>: each coefficient ×
    /// vector goes to the layer of its hook point (see <see cref="LayerOf"/>); additions at the same layer are summed.
    /// </summary>
    /// <exception cref="SteeringException">No additions, a point a control vector cannot express, a block the model lacks, or a vector of the wrong shape.</exception>
    public static ControlVector FromAdditions(IEnumerable<SteeringAddition> additions, ModelDimensions dimensions, string? modelHint)
    {
        ArgumentNullException.ThrowIfNull(additions);
        ArgumentNullException.ThrowIfNull(dimensions);
        var sums = new SortedDictionary<int, Tensor>();
        using var scope = NewDisposeScope();
        try
        {
            foreach (var addition in additions)
            {
                var layer = LayerOf(addition.HookName);
                if (layer >= dimensions.NLayers)
                    throw new SteeringException($"'{addition.HookName}' is past the model's last block ({dimensions.NLayers - 1})");
                ActivationEdits.Check(addition.HookName, [dimensions.DModel], "[d_model]", addition.Vector, "vector").Dispose();
                using var term = addition.Scaled();
                if (sums.TryGetValue(layer, out var sum)) sum.add_(term);
                else sums[layer] = term.clone().DetachFromDisposeScope();
            }
            if (sums.Count == 0) throw new SteeringException("a control vector needs at least one --add");
            foreach (var layer in sums.Keys.ToList())
            {
                var sum = sums[layer];
                sums[layer] = sum.to(ScalarType.Float32).DetachFromDisposeScope();
                sum.Dispose();
            }
            return new ControlVector(sums, modelHint);
        }
        catch
        {
            foreach (var tensor in sums.Values) tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a control-vector GGUF (llama.cpp's <c>cvector-generator</c>, repeng, or <see cref="Write"/>), checked as
    /// llama.cpp checks it; with <paramref name="dimensions"/>, also against the model it is for.
    /// </summary>
    /// <exception cref="CheckpointException">
    /// Not a control vector, a <c>direction.0</c>, a direction that is not 1-D F32, directions of different widths,
    /// or (with dimensions) a width or layer that does not fit the model.
    /// </exception>
    public static ControlVector Read(string path, ModelDimensions? dimensions = null)
    {
        using var file = GgufFile.Open(path);
        if (file.Architecture is { } architecture && architecture != Architecture)
            throw new CheckpointException(path, $"is a GGUF with general.architecture \"{architecture}\", not a control vector (\"{Architecture}\")");
        if (file.Tensors.Count == 0) throw new CheckpointException(path, "holds no direction tensors; a control vector has one direction.N per layer");

        var directions = new SortedDictionary<int, Tensor>();
        try
        {
            foreach (var info in file.Tensors)
            {
                var layer = ParseLayer(path, info.Name);
                if (info.Type != GgmlType.F32 || info.Dimensions.Count != 1)
                    throw new CheckpointException(path, $"'{info.Name}' is {info}; llama.cpp reads only 1-D F32 directions");
                var width = info.Dimensions[0];
                if (directions.Count > 0 && directions.First().Value.shape[0] != width)
                    throw new CheckpointException(path, $"'{info.Name}' has {width} values but the other directions have {directions.First().Value.shape[0]}");
                if (dimensions is not null)
                {
                    if (width != dimensions.DModel)
                        throw new CheckpointException(path, $"'{info.Name}' has {width} values; the model's residual stream has {dimensions.DModel} (n_embd does not fit)");
                    if (layer >= dimensions.NLayers)
                        throw new CheckpointException(path, $"'{info.Name}' is for block {layer}; the model has {dimensions.NLayers} blocks (0 to {dimensions.NLayers - 1})");
                }
                var values = file.Load(info.Name);
                using (var finite = values.isfinite())
                using (var allFinite = finite.all())
                {
                    if (!allFinite.item<bool>())
                    {
                        values.Dispose();
                        throw new CheckpointException(path, $"'{info.Name}' holds NaN or infinity");
                    }
                }
                if (directions.TryGetValue(layer, out var sum))
                {
                    sum.add_(values);
                    values.Dispose();
                }
                else directions[layer] = values;
            }
            var hint = file.Metadata.TryGetValue(ModelHintKey, out var value) ? value.Value as string : null;
            return new ControlVector(directions, hint);
        }
        catch
        {
            foreach (var tensor in directions.Values) tensor.Dispose();
            throw;
        }
    }

    /// <summary>Writes the control vector as llama.cpp reads it (atomically): metadata and one F32 <c>direction.N</c> per layer.</summary>
    public void Write(string path)
    {
        var writer = new GgufWriter()
            .Add("general.architecture", Architecture)
            .Add(ModelHintKey, ModelHint ?? "")
            .Add(LayerCountKey, (uint)_directions.Count);
        foreach (var (layer, direction) in _directions)
            writer.AddTensor(DirectionPrefix + layer.ToString(CultureInfo.InvariantCulture), direction, GgmlType.F32);
        writer.Write(path);
    }

    /// <summary>
    /// The directions laid out as llama.cpp's <c>llama_set_adapter_cvec</c> takes them: layers 1 … <paramref name="layerCount"/> − 1
    /// one after another (layer 0 has no slot), zeros where there is no direction.
    /// </summary>
    public float[] ToAdapterLayout(int layerCount)
    {
        var width = (int)EmbeddingLength;
        var data = new float[width * Math.Max(0, layerCount - 1)];
        foreach (var (layer, direction) in _directions.Where(d => d.Key < layerCount))
            direction.data<float>().CopyTo(data, width * (layer - 1));
        return data;
    }

    /// <summary>The directions as additions at <c>blocks.N.resid_post</c> (tensors owned by this object).</summary>
    public IEnumerable<SteeringAddition> ToAdditions(double coefficient = 1.0) =>
        _directions.Select(d => new SteeringAddition(HookOf(d.Key), d.Value, coefficient));

    /// <summary>Frees the directions.</summary>
    public void Dispose()
    {
        foreach (var tensor in _directions.Values) tensor.Dispose();
    }

    private static int ParseLayer(string path, string name)
    {
        var digits = name.StartsWith(DirectionPrefix, StringComparison.Ordinal) ? name[DirectionPrefix.Length..] : null;
        if (digits is null || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var layer))
            throw new CheckpointException(path, $"holds the tensor '{name}'; a control vector holds only direction.N tensors");
        if (layer == 0)
            throw new CheckpointException(path, "holds direction.0; llama.cpp has no slot for layer 0 and rejects the file (the first direction is direction.1, added after block 1)");
        return layer;
    }
}
