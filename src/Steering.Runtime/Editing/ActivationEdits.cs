using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// Checks for the tensors edits take (vectors, directions, patch sources) — one place, so every edit and every vector
/// file reports a bad tensor the same way — and the usual edits as plain hook functions for code that composes raw
/// hooks. A <see cref="SteeringSpec"/> is the composable form of the same edits.
/// </summary>
public static class ActivationEdits
{
    /// <summary>
    /// A hook adding <paramref name="coefficient"/> × <paramref name="vector"/> at every real position of
    /// <paramref name="point"/> (see <see cref="SteeringSpec.Add(HookTarget, Tensor, double, AddOptions?)"/>). The hook
    /// refers to <paramref name="vector"/>; keep it alive while the hook is installed.
    /// </summary>
    /// <exception cref="SteeringException">The vector does not fit the point (shape, dtype, NaN).</exception>
    public static HookFunction Add(HookPoint point, Tensor vector, double coefficient = 1.0) =>
        SteeringSpec.Empty.Add(point, vector, coefficient).HookFor(point);

    /// <summary>A hook projecting <paramref name="direction"/> out of the activation at every real position of <paramref name="point"/>.</summary>
    /// <exception cref="SteeringException">The direction does not fit the point, or is zero.</exception>
    public static HookFunction Ablate(HookPoint point, Tensor direction) =>
        SteeringSpec.Empty.Ablate(point, direction).HookFor(point);

    /// <summary>Checks a vector against a point and returns a detached float copy that outlives the caller's dispose scope.</summary>
    internal static Tensor Check(HookPoint point, Tensor vector, string what)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Check(point.Name, point.VectorShape, point.Info.DimsText, vector, what);
    }

    /// <summary>Checks a vector for the point <paramref name="pointName"/>, whose vectors have <paramref name="shape"/>, and copies it.</summary>
    /// <exception cref="SteeringException">Wrong shape, not floating point, NaN or infinity, or a point that takes no vector.</exception>
    internal static Tensor Check(string pointName, IReadOnlyList<int> shape, string dimsText, Tensor vector, string what)
    {
        CheckValues(vector, what, pointName);
        CheckShape(pointName, shape, dimsText, vector.shape, what);
        return vector.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
    }

    /// <summary>Checks that a tensor is floating point and finite (and non-zero when <paramref name="direction"/>).</summary>
    /// <exception cref="SteeringException">It is not.</exception>
    internal static void CheckValues(Tensor vector, string what, string pointName, bool direction = false)
    {
        ArgumentNullException.ThrowIfNull(vector);
        using var scope = NewDisposeScope();
        if (!vector.is_floating_point())
            throw new SteeringException($"the {what} for '{pointName}' is {vector.dtype}; it must be floating point");
        if (vector.numel() == 0)
            throw new SteeringException($"the {what} for '{pointName}' is empty");
        var values = vector.detach();
        if (!values.isfinite().all().item<bool>())
            throw new SteeringException($"the {what} for '{pointName}' holds NaN or infinity");
        if (direction && !(values.to(ScalarType.Float64).norm().item<double>() > 0))
            throw new SteeringException($"the {what} for '{pointName}' is zero; a direction needs a length");
    }

    /// <summary>Checks a tensor's shape against the vector shape of a point.</summary>
    /// <exception cref="SteeringException">The point takes no vector, or the shape differs.</exception>
    internal static void CheckShape(string pointName, IReadOnlyList<int> shape, string dimsText, IReadOnlyList<long> actual, string what)
    {
        if (shape.Count == 0)
            throw new SteeringException($"'{pointName}' {dimsText} is not per-position; a {what} cannot be applied there");
        if (!actual.SequenceEqual(shape.Select(s => (long)s)))
            throw new SteeringException(
                $"the {what} for '{pointName}' has shape [{string.Join(", ", actual)}]; the point needs [{string.Join(", ", shape)}]");
    }
}
