using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Steering.Editing;
using Steering.Hooks;
using Steering.Schema;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli;

/// <summary>What to do with a vector at a hook point.</summary>
internal enum VectorEditKind
{
    /// <summary>Add coefficient × vector at every real position (<c>--add</c>).</summary>
    Add,

    /// <summary>Project the vector's direction out (<c>--ablate</c>).</summary>
    Ablate,
}

/// <summary>
/// One <c>--add HOOK=VECTOR.safetensors[*COEFF]</c> or <c>--ablate HOOK=VECTOR.safetensors</c> from the command line;
/// VECTOR may also be a llama.cpp control vector (<c>.gguf</c>), and HOOK <c>all</c> to apply every direction it holds.
/// </summary>
/// <param name="Kind">Add or ablate.</param>
/// <param name="Hook">The hook name as written (canonical or alias; checked against the model when applied).</param>
/// <param name="Path">The vector file.</param>
/// <param name="Coefficient">The multiplier for <c>--add</c> (1 when not written).</param>
internal sealed record VectorEditSpec(VectorEditKind Kind, string Hook, string Path, double Coefficient = 1.0)
{
    /// <summary>Reads a spec. The coefficient, when written, is the number after the last <c>*</c>.</summary>
    /// <exception cref="SteeringException">The spec does not have that form.</exception>
    public static VectorEditSpec Parse(VectorEditKind kind, string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var option = kind == VectorEditKind.Add ? "--add" : "--ablate";
        var form = kind == VectorEditKind.Add ? "HOOK=VECTOR.safetensors[*COEFF]" : "HOOK=VECTOR.safetensors";
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
            throw new SteeringException($"{option} '{spec}' has no '='; write {form}");
        var hook = spec[..equals].Trim();
        var rest = spec[(equals + 1)..].Trim();
        if (hook.Length == 0)
            throw new SteeringException($"{option} '{spec}' names no hook point before '='; write {form}");
        if (hook.Any(char.IsWhiteSpace))
            throw new SteeringException($"{option} '{spec}': the hook name '{hook}' contains a space; write {form}");

        var coefficient = 1.0;
        var star = rest.LastIndexOf('*');
        if (star >= 0)
        {
            var written = rest[(star + 1)..].Trim();
            if (kind == VectorEditKind.Ablate)
                throw new SteeringException($"{option} '{spec}' has a coefficient ('*{written}'); ablation takes none, write {form}");
            if (!double.TryParse(written, NumberStyles.Float, CultureInfo.InvariantCulture, out coefficient) || !double.IsFinite(coefficient))
                throw new SteeringException($"{option} '{spec}': the coefficient '{written}' is not a finite number; write {form}");
            rest = rest[..star].Trim();
        }
        if (rest.Length == 0)
            throw new SteeringException($"{option} '{spec}' names no vector file after '='; write {form}");
        return new VectorEditSpec(kind, hook, rest, coefficient);
    }

    /// <summary>Loads the vector(s), hands them to <paramref name="owner"/>, and adds the edit to <paramref name="spec"/>.</summary>
    /// <exception cref="SteeringException">The hook point is unknown, or the vector is unreadable or does not fit it.</exception>
    public SteeringSpec AddTo(SteeringSpec spec, HookedTransformer model, HookScope owner, Terminal terminal)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(owner);
        foreach (var (hook, vector) in LoadVectors(model.Schema, terminal))
        {
            owner.Own(vector);
            spec = Kind == VectorEditKind.Add ? spec.Add(hook, vector, Coefficient) : spec.Ablate(hook, vector);
        }
        return spec;
    }

    /// <summary>
    /// The vectors this spec names, by canonical hook name (the caller disposes the tensors): the one vector of a
    /// safetensors vector file at <see cref="Hook"/>, or from a llama.cpp control vector (<c>.gguf</c>) the direction
    /// that adds at <see cref="Hook"/> — or, with <c>all=</c>, every direction at its <c>blocks.N.resid_post</c>.
    /// </summary>
    /// <exception cref="SteeringException">An unknown hook point, an unreadable file, or a control vector with no direction there.</exception>
    public List<(string Hook, Tensor Vector)> LoadVectors(ModelSchema schema, Terminal terminal)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(terminal);
        var all = Hook.Equals(AllHooks, StringComparison.OrdinalIgnoreCase);
        if (IsControlVector(Path))
        {
            using var control = ControlVector.Read(Path, schema.Dimensions);
            if (all) return control.Directions.Select(d => (ControlVector.HookOf(d.Key), d.Value.clone())).ToList();
            var point = Canonical(schema, Hook);
            var layer = ControlVector.LayerOf(point);
            return control.Directions.TryGetValue(layer, out var direction)
                ? [(point, direction.clone())]
                : throw new SteeringException(
                    $"{Path} has no direction for '{point}' (direction.{layer}); it has {string.Join(", ", control.Directions.Keys.Select(k => $"direction.{k}"))} (write {AllHooks}={Path} for all of them)");
        }
        if (all) throw new SteeringException($"{AllHooks}={Path}: only a llama.cpp control vector (.gguf) holds vectors for several hook points; name the hook point");

        var name = Canonical(schema, Hook);
        using var vector = SteeringVector.Load(Path);
        if (vector.HookName is { } madeAt && schema.Find(HookNames.Canonicalize(madeAt)) is { } origin && origin.Name != name)
            terminal.Warn($"{Path} was made at '{origin.Name}' and is applied at '{name}'");
        return [(name, vector.Values.clone())];
    }

    /// <summary>The hook name that stands for "every vector in the file" (a control vector's directions).</summary>
    public const string AllHooks = "all";

    /// <summary>Whether <paramref name="path"/> names a GGUF file (a llama.cpp control vector), by its extension.</summary>
    public static bool IsControlVector(string path) => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    private static string Canonical(ModelSchema schema, string hook)
    {
        var known = schema.HookPoints.Select(p => p.Name).ToList();
        return schema.Find(HookNames.Canonicalize(hook))?.Name
            ?? throw new SteeringException(HookNames.DescribeUnknown(hook, known, schema.Dimensions.NLayers));
    }

    /// <summary>The spec as written on the command line.</summary>
    public override string ToString() => Kind == VectorEditKind.Add
        ? $"--add {Hook}={Path}*{Coefficient.ToString("R", CultureInfo.InvariantCulture)}"
        : $"--ablate {Hook}={Path}";
}
