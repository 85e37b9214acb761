using System;
using System.Linq;
using Steering.Checkpoints;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// One direction in activation space: a one-site view of <see cref="SteeringVectors"/>, saved as the same file (one
/// tensor named by its hook point). Reads every vector file that holds exactly one vector, older formats included.
/// </summary>
public sealed class SteeringVector : IDisposable
{
    private SteeringVector(SteeringVectors vectors) => Vectors = vectors;

    /// <summary>The one-site set this vector is (owned by this object).</summary>
    public SteeringVectors Vectors { get; }

    /// <summary>The direction (float32, on the CPU, owned by this object).</summary>
    public Tensor Values => Vectors.Single;

    /// <summary>The hook point the vector was made at, when recorded.</summary>
    public string? HookName => Vectors.Sites[0] == SteeringVectors.UnplacedSite ? null : Vectors.Sites[0];

    /// <summary>Wraps a copy of <paramref name="values"/>.</summary>
    /// <exception cref="SteeringException">Not floating point, empty, or holds NaN or infinity.</exception>
    public static SteeringVector FromTensor(Tensor values, string? hookName = null) =>
        new(SteeringVectors.Create(new[] { new System.Collections.Generic.KeyValuePair<string, Tensor>(hookName ?? SteeringVectors.UnplacedSite, values) }));

    /// <summary>Views a set that holds exactly one vector (taking ownership of it).</summary>
    /// <exception cref="SteeringException">The set holds several vectors.</exception>
    public static SteeringVector FromVectors(SteeringVectors vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        _ = vectors.Single;
        return new SteeringVector(vectors);
    }

    /// <summary>
    /// The difference of the activations at <paramref name="hookName"/> between two prompts, at each prompt's last token
    /// (the prompts may tokenize to different lengths; the last token has read all the others) — the reference's
    /// "Love" − "Hate" vector (<see cref="VectorBuilders.Diff"/> at one point).
    /// </summary>
    /// <exception cref="SteeringException">The hook point is unknown or not per-position.</exception>
    public static SteeringVector FromContrast(HookedTransformer model, [HookName] string hookName, string positive, string negative)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new SteeringVector(VectorBuilders.Diff(positive, negative).Build(model, new[] { model.Hooks[hookName] }));
    }

    /// <summary>Reads a vector file that holds exactly one vector.</summary>
    /// <exception cref="CheckpointException">The file is unreadable, holds no or several tensors, or the tensor is not a finite float vector.</exception>
    public static SteeringVector Load(string path)
    {
        var vectors = SteeringVectors.Load(path);
        if (vectors.Count == 1) return new SteeringVector(vectors);
        var names = string.Join(", ", vectors.Sites.Take(4));
        vectors.Dispose();
        throw new CheckpointException(path, $"holds {vectors.Sites.Count} tensors ({names}); load it with SteeringVectors.Load, or name the hook point");
    }

    /// <summary>Writes the vector file (atomically) and, when the hook point is known, its sidecar <c>FILE.json</c>.</summary>
    public void Save(string path) => Vectors.Save(path);

    /// <summary>Frees the tensor.</summary>
    public void Dispose() => Vectors.Dispose();
}
