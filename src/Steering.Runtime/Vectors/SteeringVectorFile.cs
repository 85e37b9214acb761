using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Steering.Checkpoints;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// The steering-vector file, format 1: a safetensors file with one float32 tensor per site, named by the canonical hook
/// name, and header metadata <c>steering.format</c> = <c>1</c>, <c>steering.model</c> (schema name),
/// <c>steering.architecture</c> (model_type), <c>steering.dimensions</c> (<c>n_layers=4,d_model=96,…</c>), optionally
/// <c>steering.method</c> and any other <c>steering.*</c> keys. Older files still read: a single tensor <c>vector</c>
/// with <c>steering.hook</c> (SteeringVector's), or per-hook tensors with <c>steering.schema</c> (SteeringVectorSet's).
/// </summary>
public static class SteeringVectorFile
{
    /// <summary>The format this version writes.</summary>
    public const int CurrentFormat = 1;

    /// <summary>Metadata key: the file format.</summary>
    public const string FormatKey = "steering.format";

    /// <summary>Metadata key: the schema name of the model the vectors were made for.</summary>
    public const string ModelKey = "steering.model";

    /// <summary>Metadata key: the model's architecture (<c>model_type</c>).</summary>
    public const string ArchitectureKey = "steering.architecture";

    /// <summary>Metadata key: the model's sizes, <c>name=value</c> pairs separated by commas.</summary>
    public const string DimensionsKey = "steering.dimensions";

    /// <summary>Metadata key: how the vectors were made.</summary>
    public const string MethodKey = "steering.method";

    /// <summary>The prefix of every key this format reads and writes.</summary>
    public const string KeyPrefix = "steering.";

    /// <summary>Legacy: the hook point of a one-tensor file.</summary>
    internal const string LegacyHookKey = "steering.hook";

    /// <summary>Legacy: the schema name of a per-hook file.</summary>
    internal const string LegacySchemaKey = "steering.schema";

    /// <summary>Legacy: the tensor name of a one-tensor file.</summary>
    internal const string LegacyTensorName = "vector";

    private static readonly string[] ReservedKeys = { FormatKey, ModelKey, ArchitectureKey, DimensionsKey, MethodKey, LegacyHookKey };

    /// <summary>Reads any of the formats (see the class summary).</summary>
    internal static SteeringVectors Read(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var meta = file.Metadata;
        if (meta.TryGetValue(FormatKey, out var format) && format != CurrentFormat.ToString(CultureInfo.InvariantCulture))
            throw new CheckpointException(path, $"is steering-vector format {format}; this version reads format {CurrentFormat}");
        if (file.Entries.Count == 0) throw new CheckpointException(path, "holds no tensor; a vector file holds one per hook point");
        foreach (var entry in file.Entries)
            if (entry.DType is not (SafetensorsDType.F64 or SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
                throw new CheckpointException(path, $"tensor '{entry.Name}' is {entry.DType}; a steering vector must be floating point");

        var legacyHook = file.Entries.Count == 1 && file.Entries[0].Name == LegacyTensorName
            ? meta.GetValueOrDefault(LegacyHookKey) ?? LegacyTensorName
            : null;
        using var scope = NewDisposeScope();
        var tensors = file.Entries.Select(e => (Site: legacyHook ?? HookNames.Canonicalize(e.Name), Vector: file.Load(e.Name, ScalarType.Float32)));
        var extra = meta.Where(p => p.Key.StartsWith(KeyPrefix, StringComparison.Ordinal) && !ReservedKeys.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        try
        {
            return SteeringVectors.Own(tensors, Identity(path, meta), meta.GetValueOrDefault(MethodKey), extra, path);
        }
        catch (SteeringException e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, e.Message, e);
        }
    }

    /// <summary>Writes <paramref name="vectors"/> and their sidecar, each atomically.</summary>
    internal static void Write(string path, SteeringVectors vectors)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var metadata = new Dictionary<string, string>(vectors.Metadata, StringComparer.Ordinal)
        {
            [FormatKey] = CurrentFormat.ToString(CultureInfo.InvariantCulture),
        };
        if (vectors.ModelIdentity is { } model)
        {
            metadata[ModelKey] = model.Name;
            metadata[ArchitectureKey] = model.Architecture;
            metadata[DimensionsKey] = string.Join(",", model.Dimensions.Named().Select(d => $"{d.Key}={d.Value.ToString(CultureInfo.InvariantCulture)}"));
        }
        if (vectors.Method is { } method) metadata[MethodKey] = method;
        SafetensorsWriter.Write(path, vectors, metadata);
        // A vector that records no hook point cannot be checked at compile time: it gets no sidecar.
        if (vectors.Sites.Contains(SteeringVectors.UnplacedSite)) return;
        var sidecar = VectorSidecar.Write(vectors.ModelIdentity?.Name,
            vectors.Select(v => new KeyValuePair<string, IReadOnlyList<int>>(v.Key, v.Value.shape.Select(s => (int)s).ToArray())),
            vectors.ModelIdentity?.Architecture, vectors.ModelIdentity?.Dimensions);
        AtomicFile.Write(VectorSidecar.PathFor(path), stream => stream.Write(new UTF8Encoding(false).GetBytes(sidecar)));
    }

    /// <summary>The model identity in the metadata: null when the file records none (older files, or made without a model).</summary>
    private static SchemaIdentity? Identity(string path, IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue(DimensionsKey, out var text)) return null;
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=');
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size <= 0)
                throw new CheckpointException(path, $"{DimensionsKey} '{text}' is not name=size pairs separated by commas");
            sizes[parts[0].Trim()] = size;
        }
        int Size(string name, int? fallback = null) => sizes.TryGetValue(name, out var size) ? size
            : fallback ?? throw new CheckpointException(path, $"{DimensionsKey} '{text}' lacks {name}");
        var heads = Size(HookDims.NHeads);
        var dModel = Size(HookDims.DModel);
        var dimensions = new ModelDimensions(dModel, Size(HookDims.NLayers), heads, Size(HookDims.NKvHeads, heads),
            Size(HookDims.DHead, dModel / heads), Size(HookDims.DMlp), Size(HookDims.DVocab), Size(HookDims.NCtx));
        var architecture = meta.GetValueOrDefault(ArchitectureKey) ?? throw new CheckpointException(path, $"records {DimensionsKey} but no {ArchitectureKey}");
        return new SchemaIdentity(meta.GetValueOrDefault(ModelKey) ?? "", architecture, dimensions);
    }
}
