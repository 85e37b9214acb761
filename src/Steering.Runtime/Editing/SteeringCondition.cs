using System;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// A condition for conditional activation steering (CAST): it holds for a sequence when the mean over its prompt's
/// tokens of the activation at <see cref="Point"/> has cosine similarity above <see cref="Threshold"/> with
/// <see cref="Direction"/>. It is decided per sequence on the prompt pass, when the activation reaches the point, and
/// remembered for that sequence's generated tokens; edits it gates apply from then on (points after it in the prompt
/// pass, and every generated token).
/// </summary>
/// <remarks>The condition refers to <see cref="Direction"/>; keep the tensor alive and unchanged while it is used.</remarks>
public sealed class SteeringCondition : IEquatable<SteeringCondition>
{
    /// <summary>A condition at <paramref name="point"/>.</summary>
    /// <exception cref="SteeringException">The direction is not a finite, non-zero float tensor, or the threshold is not in [-1, 1].</exception>
    public SteeringCondition([HookName] HookTarget point, Tensor direction, double threshold)
    {
        ActivationEdits.CheckValues(direction, "condition direction", point.Name, direction: true);
        if (!(threshold >= -1 && threshold <= 1))
            throw new SteeringException($"the condition threshold at '{point.Name}' is {threshold}; a cosine threshold lies in [-1, 1]");
        Point = point;
        Direction = direction;
        Threshold = threshold;
    }

    /// <summary>Where the prompt's activation is read.</summary>
    public HookTarget Point { get; }

    /// <summary>The condition vector, of the point's vector shape.</summary>
    public Tensor Direction { get; }

    /// <summary>The cosine similarity the prompt's mean activation must exceed.</summary>
    public double Threshold { get; }

    /// <summary>[batch] bool: whether each row's prompt (the real tokens of <paramref name="x"/>) meets the condition.</summary>
    internal bool[] Evaluate(Tensor x, HookContext context)
    {
        var rows = x.shape[0];
        var features = x.reshape(rows, x.shape[1], -1).to(ScalarType.Float32);
        var tokens = context.Pass.IsToken.unsqueeze(-1).to(ScalarType.Float32);
        var mean = (features * tokens).sum(1) / tokens.sum(1).clamp_min(1);
        var direction = Direction.detach().to(ScalarType.Float32, x.device).flatten().unsqueeze(0);
        var cosine = nn.functional.cosine_similarity(mean, direction, 1, 1e-12);
        return cosine.gt(Threshold).cpu().data<bool>().ToArray();
    }

    /// <summary>Same point and threshold, and the same direction tensor (by reference).</summary>
    public bool Equals(SteeringCondition? other) =>
        other is not null && Point == other.Point && ReferenceEquals(Direction, other.Direction) && Threshold.Equals(other.Threshold);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SteeringCondition);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Point, System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Direction), Threshold);

    /// <inheritdoc/>
    public override string ToString() => $"cos({Point.Name}, condition) > {Threshold}";
}
