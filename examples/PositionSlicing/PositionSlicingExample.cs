using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering;
using Steering.Hooks;
using Steering.Vectors;
using static TorchSharp.torch;

namespace PositionSlicing;

/// <summary>
/// nnsight-style slicing (<c>model.transformer.h[2].input[:, :2] += v</c>) with a hook: <see cref="HookContext"/> gives
/// each position's absolute index and whether the pass is the prompt (prefill) or a generated token (KV-cached decode).
/// Because positions are absolute, "the first two positions" stays the first two while generating, where each decode
/// step sees one position whose index is the length so far — not 0.
/// </summary>
public static class PositionSlicingExample
{
    /// <summary>Where this example steers.</summary>
    public const string HookName = "blocks.2.resid_pre";

    /// <summary>The prompt.</summary>
    public const string Prompt = "I think dogs are";

    /// <summary>How strongly to steer.</summary>
    public const double Coefficient = 1;

    /// <summary>Adds coefficient × vector at absolute positions 0 and 1 only (<c>[:, :2]</c>).</summary>
    public static HookFunction FirstTwoPositions(Tensor vector, double coefficient) =>
        (x, ctx) => x + ctx.Where(ctx.Positions.lt(2), x.dtype) * (coefficient * vector);

    /// <summary>Adds coefficient × vector at generated tokens only: nothing while the prompt is prefilled.</summary>
    public static HookFunction GeneratedTokensOnly(Tensor vector, double coefficient) =>
        (x, ctx) => ctx.Phase == ForwardPhase.Decode ? x + ctx.TokenMask(x.dtype) * (coefficient * vector) : null;

    /// <summary>Shows which positions each slice changes, in one pass and while generating.</summary>
    public static void Run(string modelFolder, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var model = HookedTransformer.Load(modelFolder);
        using var scope = NewDisposeScope();
        using var love = SteeringVector.FromContrast(model, HookName, "Love", "Hate");

        // One pass: the edit lands on positions 0 and 1; later positions move only through attention reading them.
        var baseline = model.Forward(Prompt);
        Tensor steered;
        using (model.Hook(HookName, FirstTwoPositions(love.Values, Coefficient)))
            steered = model.Forward(Prompt);
        var change = (steered - baseline).abs().amax(new long[] { 0, 2 }).data<float>().ToArray();
        output.WriteLine($"first two positions, max |logit change| per position: {string.Join("  ", change.Select((c, i) => $"{i}: {c:F2}"))}");

        // Generation with a KV cache: a reading hook shows the absolute positions each pass sees.
        var passes = new List<string>();
        HookFunction log = (x, ctx) => { passes.Add($"{ctx.Phase} [{string.Join(" ", ctx.Positions.data<long>().ToArray())}]"); return null; };
        using (model.Hook(HookName, log))
            output.WriteLine($"baseline             {model.Generate(Prompt, maxNewTokens: 6)}");
        output.WriteLine($"passes at {HookName}: {string.Join(", ", passes)}");

        using (model.Hook(HookName, FirstTwoPositions(love.Values, Coefficient)))
            output.WriteLine($"first two positions  {model.Generate(Prompt, maxNewTokens: 6)}");
        using (model.Hook(HookName, FirstTwoPositions(love.Values, -Coefficient)))
            output.WriteLine($"  (negative)         {model.Generate(Prompt, maxNewTokens: 6)}");
        // The first new token comes from the unsteered prompt pass; steering starts with the tokens after it.
        using (model.Hook(HookName, GeneratedTokensOnly(love.Values, Coefficient)))
            output.WriteLine($"generated tokens     {model.Generate(Prompt, maxNewTokens: 6)}");
        using (model.Hook(HookName, GeneratedTokensOnly(love.Values, -Coefficient)))
            output.WriteLine($"  (negative)         {model.Generate(Prompt, maxNewTokens: 6)}");
    }
}
