using System;
using System.Globalization;
using System.Linq;
using Steering.Hooks;
using Steering.Vectors;

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
/// One <c>--add HOOK=VECTOR.safetensors[*COEFF]</c> or <c>--ablate HOOK=VECTOR.safetensors</c> from the command line.
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

    /// <summary>Loads the vector and installs the edit in <paramref name="scope"/>.</summary>
    /// <exception cref="SteeringException">The hook point is unknown, or the vector is unreadable or does not fit it.</exception>
    public void ApplyTo(HookScope scope, HookPointCollection points, Terminal terminal)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(terminal);
        var point = points[Hook];
        using var vector = SteeringVector.Load(Path);
        if (vector.HookName is { } madeAt && points.TryGet(madeAt, out var origin) && origin.Name != point.Name)
            terminal.Warn($"{Path} was made at '{origin.Name}' and is applied at '{point.Name}'");
        if (Kind == VectorEditKind.Add) scope.AddVector(point.Name, vector.Values, Coefficient);
        else scope.Ablate(point.Name, vector.Values);
    }

    /// <summary>The spec as written on the command line.</summary>
    public override string ToString() => Kind == VectorEditKind.Add
        ? $"--add {Hook}={Path}*{Coefficient.ToString("R", CultureInfo.InvariantCulture)}"
        : $"--ablate {Hook}={Path}";
}
