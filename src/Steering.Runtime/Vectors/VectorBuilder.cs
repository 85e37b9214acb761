using System.Collections.Generic;
using Steering.Hooks;

namespace Steering.Vectors;

/// <summary>
/// Makes steering vectors for many hook points from the same runs of a model (contract A; the generated
/// <c>Build(model, builder)</c> of a <see cref="SteerAtAttribute"/> class takes one).
/// </summary>
public abstract class VectorBuilder
{
    /// <summary>One vector per point of <paramref name="points"/>, all from the same runs of <paramref name="model"/>.</summary>
    public abstract SteeringVectors Build(HookedTransformer model, IReadOnlyList<HookPoint> points);
}
