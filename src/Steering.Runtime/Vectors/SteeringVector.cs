using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Steering.Checkpoints;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// A direction in activation space, stored as a safetensors file holding one tensor (e.g. [d_model]), with the hook
/// point it was made for in the file's metadata when known.
/// </summary>
public sealed class SteeringVector : IDisposable
{
    /// <summary>The metadata key recording the hook point a vector was made at.</summary>
    public const string HookMetadataKey = "steering.hook";

    /// <summary>The tensor name a saved vector uses.</summary>
    public const string TensorName = "vector";

    private SteeringVector(Tensor values, string? hookName)
    {
        Values = values;
        HookName = hookName;
    }

    /// <summary>The direction (float32, on the CPU, owned by this object).</summary>
    public Tensor Values { get; }

    /// <summary>The hook point the vector was made at, when recorded.</summary>
    public string? HookName { get; }

    /// <summary>Wraps a copy of <paramref name="values"/>.</summary>
    /// <exception cref="SteeringException">Not floating point, or holds NaN or infinity.</exception>
    public static SteeringVector FromTensor(Tensor values, string? hookName = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!values.is_floating_point()) throw new SteeringException($"a steering vector must be floating point, not {values.dtype}");
        if (values.numel() == 0) throw new SteeringException("a steering vector cannot be empty");
        if (!values.isfinite().all().item<bool>()) throw new SteeringException("the steering vector holds NaN or infinity");
        return new SteeringVector(values.detach().to(ScalarType.Float32).cpu().clone().DetachFromDisposeScope(), hookName);
    }

    /// <summary>
    /// The difference of the activations at <paramref name="hookName"/> between two prompts, at each prompt's last token
    /// (the prompts may tokenize to different lengths; the last token has read all the others) — the reference's
    /// "Love" − "Hate" vector.
    /// </summary>
    /// <exception cref="SteeringException">The hook point is unknown or not per-position.</exception>
    public static SteeringVector FromContrast(HookedTransformer model, [HookName] string hookName, string positive, string negative)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model.Hooks[hookName].Name;
        var vectors = ContrastVectors.Compute(model, new[] { name }, new[] { (positive, negative) });
        using var values = vectors[name];
        return FromTensor(values, name);
    }

    /// <summary>Reads a vector file: a safetensors file with exactly one tensor.</summary>
    /// <exception cref="SteeringException">The file is unreadable, holds no or several tensors, or the tensor is not a finite float vector.</exception>
    public static SteeringVector Load(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (file.Entries.Count != 1)
            throw new CheckpointException(path, file.Entries.Count == 0
                ? "holds no tensor; a vector file holds exactly one"
                : $"holds {file.Entries.Count} tensors ({string.Join(", ", file.Entries.Take(4).Select(e => e.Name))}); a vector file holds exactly one");
        var entry = file.Entries[0];
        if (entry.DType is not (SafetensorsDType.F64 or SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
            throw new CheckpointException(path, $"tensor '{entry.Name}' is {entry.DType}; a steering vector must be floating point");
        using var scope = NewDisposeScope();
        var values = file.Load(entry.Name, ScalarType.Float32);
        if (!values.isfinite().all().item<bool>())
            throw new CheckpointException(path, $"tensor '{entry.Name}' holds NaN or infinity");
        file.Metadata.TryGetValue(HookMetadataKey, out var hook);
        return new SteeringVector(values.DetachFromDisposeScope(), hook);
    }

    /// <summary>
    /// Writes the vector as a one-tensor safetensors file (atomically), recording its hook point, and — when the hook
    /// point is known — the sidecar <c>FILE.json</c> that lets the compiler check a <c>[SteerAt(Vector = ...)]</c> site.
    /// </summary>
    public void Save(string path)
    {
        var metadata = new Dictionary<string, string>();
        if (HookName is not null) metadata[HookMetadataKey] = HookName;
        SafetensorsWriter.Write(path, new[] { new KeyValuePair<string, Tensor>(TensorName, Values) }, metadata);
        if (HookName is null) return;
        var shape = Values.shape.Select(s => (int)s).ToArray();
        File.WriteAllText(VectorSidecar.PathFor(path),
            VectorSidecar.Write(null, new[] { new KeyValuePair<string, IReadOnlyList<int>>(HookName, shape) }), new UTF8Encoding(false));
    }

    /// <summary>Frees the tensor.</summary>
    public void Dispose() => Values.Dispose();
}
