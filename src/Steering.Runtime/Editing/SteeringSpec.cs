using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// An immutable, composable description of steering: edits at hook points (add a vector, ablate or clamp a direction,
/// patch in another run's activation, any custom edit), each at chosen positions, optionally gated by CAST conditions.
/// Every method returns a new spec; a spec can be shared by threads and reused for any number of calls.
/// </summary>
/// <remarks>
/// <para>Use it per call — <c>GenerationOptions.Steering</c> or
/// <see cref="HookedTransformer.Forward(Tensor, Tensor?, Generation.KvCache?, SteeringSpec?)"/> — where it applies to that
/// call only and concurrent calls with different specs never see each other's edits; or model-wide, notebook style,
/// with <see cref="Apply"/> (a <see cref="HookScope"/>).</para>
/// <para>Edits at one point run in the order they were added. Targets are resolved and tensors checked once per model
/// (on first use). A spec refers to the tensors it is given and does not copy them: keep them alive and unchanged
/// while the spec is in use (so a vector being trained by gradient can be steered with directly).</para>
/// </remarks>
/// <example><code>
/// var spec = SteeringSpec.Empty
///     .Add("blocks.2.resid_pre", love, coefficient: 4, new AddOptions { Positions = PositionSelector.Generated })
///     .Ablate("blocks.3.resid_post", refusal);
/// var text = model.Generate("I think dogs are", GenerationOptions.Greedy(10) with { Steering = spec });
/// </code></example>
public sealed class SteeringSpec : IEquatable<SteeringSpec>
{
    private readonly ImmutableArray<Edit> _edits;
    private readonly ConditionalWeakTable<HookPointCollection, BoundSpec> _bound = new();

    private SteeringSpec(ImmutableArray<Edit> edits) => _edits = edits;

    /// <summary>The spec that changes nothing.</summary>
    public static SteeringSpec Empty { get; } = new(ImmutableArray<Edit>.Empty);

    /// <summary>True when the spec has no edits.</summary>
    public bool IsEmpty => _edits.IsEmpty;

    /// <summary>The number of edits.</summary>
    public int Count => _edits.Length;

    /// <summary>The hook targets the edits are at, in order (one per edit).</summary>
    public IReadOnlyList<HookTarget> Targets => _edits.Select(e => e.Target).ToList();

    /// <summary>
    /// Adds <paramref name="coefficient"/> × <paramref name="vector"/> (scaled as <paramref name="options"/> says) at
    /// <paramref name="target"/>, at every real position or those the options select, optionally keeping each position's norm.
    /// </summary>
    /// <exception cref="SteeringException">The vector is not a finite float tensor (zero, when it is to be normalized), or the coefficient is not finite.</exception>
    public SteeringSpec Add([HookName] HookTarget target, Tensor vector, double coefficient = 1.0, AddOptions? options = null) =>
        With(new AddEdit(target, vector, coefficient, options));

    /// <summary>Adds coefficient × vector at several points at once (e.g. a vector per hook name from one file).</summary>
    /// <exception cref="SteeringException">A vector is not a finite float tensor.</exception>
    public SteeringSpec Add(IEnumerable<KeyValuePair<string, Tensor>> vectors, double coefficient = 1.0, AddOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return vectors.Aggregate(this, (spec, v) => spec.Add(v.Key, v.Value, coefficient, options));
    }

    /// <summary>Projects <paramref name="direction"/> out of the activation (x − (x·d̂)d̂) at the selected positions (all by default).</summary>
    /// <exception cref="SteeringException">The direction is zero or not a finite float tensor.</exception>
    public SteeringSpec Ablate([HookName] HookTarget target, Tensor direction, PositionSelector? positions = null) =>
        With(new AblateEdit(target, direction, positions));

    /// <summary>
    /// Clamps the activation's projection on <paramref name="direction"/> (x·d̂, d̂ the unit direction) to
    /// [<paramref name="min"/>, <paramref name="max"/>] (a null bound is open), leaving the orthogonal part unchanged.
    /// </summary>
    /// <exception cref="SteeringException">No bound, bounds not finite or crossed, or a zero direction.</exception>
    public SteeringSpec Clamp([HookName] HookTarget target, Tensor direction, double? min, double? max, PositionSelector? positions = null) =>
        With(new ClampEdit(target, direction, min, max, positions));

    /// <summary>Sets the activation's projection on <paramref name="direction"/> to <paramref name="value"/> (a clamp to [value, value]).</summary>
    /// <exception cref="SteeringException">A value that is not finite, or a zero direction.</exception>
    public SteeringSpec ClampTo([HookName] HookTarget target, Tensor direction, double value, PositionSelector? positions = null) =>
        Clamp(target, direction, value, value, positions);

    /// <summary>
    /// Replays an activation recorded in another run at <paramref name="target"/> (activation patching): at each selected
    /// position p, position p of <paramref name="source"/> ([1, pos, …] or [pos, …], e.g. from an activation cache);
    /// positions beyond the source are left alone.
    /// </summary>
    /// <exception cref="SteeringException">The source is not a finite float tensor.</exception>
    public SteeringSpec Patch([HookName] HookTarget target, Tensor source, PositionSelector? positions = null) =>
        With(new PatchEdit(target, source, positions));

    /// <summary>
    /// Any edit, as a hook function (null leaves the activation unchanged); its result is kept at the selected positions only.
    /// </summary>
    public SteeringSpec Custom([HookName] HookTarget target, HookFunction edit, PositionSelector? positions = null) =>
        With(new CustomEdit(target, edit, positions));

    /// <summary>
    /// This spec's edits, applied only to sequences whose prompt meets <paramref name="condition"/> (CAST). Conditions
    /// accumulate: <c>a.When(c1).When(c2)</c> needs both.
    /// </summary>
    public SteeringSpec When(SteeringCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return new SteeringSpec(_edits.Select(e => e.When(condition)).ToImmutableArray());
    }

    /// <summary>
    /// This spec's edits, applied only to sequences whose prompt's mean activation at <paramref name="point"/> has
    /// cosine similarity above <paramref name="threshold"/> with <paramref name="direction"/> (see <see cref="SteeringCondition"/>).
    /// </summary>
    public SteeringSpec When([HookName] HookTarget point, Tensor direction, double threshold) =>
        When(new SteeringCondition(point, direction, threshold));

    /// <summary>This spec's edits followed by <paramref name="other"/>'s (at a shared point, this spec's run first).</summary>
    public SteeringSpec Then(SteeringSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsEmpty ? this : IsEmpty ? other : new SteeringSpec(_edits.AddRange(other._edits));
    }

    /// <summary>The specs' edits in order (<see cref="Then"/> over all of them).</summary>
    public static SteeringSpec Combine(params SteeringSpec[] specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return specs.Aggregate(Empty, (all, spec) => all.Then(spec));
    }

    /// <summary>Resolves every target and checks every tensor against <paramref name="model"/> now, instead of at first use.</summary>
    /// <exception cref="SteeringException">An unknown hook, a typed point of another shape, a point of another model, or a tensor that does not fit.</exception>
    public void Check(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Bind(model.Hooks);
    }

    /// <summary>
    /// Installs the spec on <paramref name="model"/> for every call until the returned scope is disposed (notebook
    /// style). CAST conditions are decided on each prefill pass, per row, and remembered for the decode steps that follow.
    /// </summary>
    /// <exception cref="SteeringException">The spec does not fit the model.</exception>
    public HookScope Apply(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Hooks.CreateScope().Apply(this);
    }

    /// <summary>
    /// Same edits in the same order: same kinds, targets, position selectors (the same selector objects), conditions,
    /// settings by value and tensors by reference.
    /// </summary>
    public bool Equals(SteeringSpec? other) => other is not null && _edits.SequenceEqual(other._edits);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SteeringSpec);

    /// <inheritdoc/>
    public override int GetHashCode() => _edits.Aggregate(_edits.Length, (hash, edit) => HashCode.Combine(hash, edit));

    /// <inheritdoc/>
    public override string ToString() => IsEmpty ? "no steering" : string.Join("; ", _edits);

    /// <summary>The spec resolved against <paramref name="points"/> (once per model; cached).</summary>
    internal BoundSpec Bind(HookPointCollection points) =>
        _bound.TryGetValue(points, out var bound) ? bound : _bound.GetValue(points, p => new BoundSpec(_edits, p));

    /// <summary>The spec's edits at <paramref name="point"/> as one hook function.</summary>
    internal HookFunction HookFor(HookPoint point) => new ScopeSteering(this, point.Collection).HookAt(point);

    private SteeringSpec With(Edit edit) => new(_edits.Add(edit));
}
