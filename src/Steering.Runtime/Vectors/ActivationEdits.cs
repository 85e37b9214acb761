using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Vectors;

/// <summary>
/// Hook functions for the usual edits: add a vector (activation addition), project a direction out (ablation). Each is
/// checked against its hook point when made, so a vector of the wrong shape fails before the model runs.
/// The functions hold a float copy of the vector; <see cref="HookScope.AddVector"/> and <see cref="HookScope.Ablate"/>
/// free it with the scope, while a function made here directly leaves it to the garbage collector.
/// </summary>
public static class ActivationEdits
{
    /// <summary>
    /// Adds <paramref name="coefficient"/> × <paramref name="vector"/> at every real (non-padding) position — prompt and
    /// generated — or only where <paramref name="positions"/> selects (a [batch, pos] bool per pass, e.g.
    /// <c>ctx =&gt; ctx.Positions &lt; 2</c>).
    /// </summary>
    /// <exception cref="SteeringException">The vector's shape is not the point's <see cref="HookPoint.VectorShape"/>, or it holds NaN or infinity.</exception>
    public static HookFunction Add(HookPoint point, Tensor vector, double coefficient = 1.0, Func<HookContext, Tensor>? positions = null)
        => AddOwned(Check(point, vector, "vector"), point, coefficient, positions);

    internal static HookFunction AddOwned(Tensor owned, HookPoint point, double coefficient, Func<HookContext, Tensor>? positions)
    {
        if (!double.IsFinite(coefficient)) throw new SteeringException($"the coefficient for '{point.Name}' is {coefficient}");
        return (x, context) =>
        {
            var delta = owned.to(x.dtype, x.device).mul(coefficient);
            var mask = positions is null ? context.TokenMask(x.dtype) : context.Where(positions(context), x.dtype);
            return x + mask * delta;
        };
    }

    /// <summary>
    /// Projects <paramref name="direction"/> out of the activation at every position: x − (x·d̂)d̂ over the point's
    /// vector dimensions, so the activation keeps no component along it.
    /// </summary>
    /// <exception cref="SteeringException">The direction's shape does not fit the point, it is zero, or it holds NaN or infinity.</exception>
    public static HookFunction Ablate(HookPoint point, Tensor direction) => AblateOwned(Check(point, direction, "direction"), point);

    internal static HookFunction AblateOwned(Tensor owned, HookPoint point)
    {
        var norm = owned.to(ScalarType.Float64).norm().item<double>();
        if (!(norm > 0)) throw new SteeringException($"the direction to ablate at '{point.Name}' is zero");
        owned.div_(norm);
        return (x, _) =>
        {
            var features = x.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            var flat = x.reshape(x.shape[0], x.shape[1], features);
            var d = owned.flatten().to(x.dtype, x.device);
            var along = flat.matmul(d).unsqueeze(-1);
            return (flat - along * d).view(x.shape);
        };
    }

    /// <summary>Checks a vector against a point and returns a detached float copy that outlives the caller's dispose scope.</summary>
    internal static Tensor Check(HookPoint point, Tensor vector, string what)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Check(point.Name, point.VectorShape, point.Info.DimsText, vector, what);
    }

    /// <summary>Checks a vector for the point <paramref name="pointName"/>, whose vectors have <paramref name="shape"/>.</summary>
    /// <exception cref="SteeringException">Wrong shape, not floating point, NaN or infinity, or a point that takes no vector.</exception>
    internal static Tensor Check(string pointName, IReadOnlyList<int> shape, string dimsText, Tensor vector, string what)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (shape.Count == 0)
            throw new SteeringException($"'{pointName}' {dimsText} is not per-position; a {what} cannot be applied there");
        if (!vector.shape.SequenceEqual(shape.Select(s => (long)s)))
            throw new SteeringException(
                $"the {what} for '{pointName}' has shape [{string.Join(", ", vector.shape)}]; the point needs [{string.Join(", ", shape)}]");
        if (!vector.is_floating_point())
            throw new SteeringException($"the {what} for '{pointName}' is {vector.dtype}; it must be floating point");
        if (!vector.isfinite().all().item<bool>())
            throw new SteeringException($"the {what} for '{pointName}' holds NaN or infinity");
        return vector.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
    }
}
