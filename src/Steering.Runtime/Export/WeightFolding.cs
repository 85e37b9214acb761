using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Schema;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Export;

/// <summary>
/// Folds constant additions into a model's weights (the bias-editing approach): afterwards the unhooked model computes
/// exactly what the model with the additions hooked in did, so it can be saved (<see cref="HookedTransformer.Save"/>) or
/// exported (<see cref="GgufModelExport"/>) and served anywhere.
/// </summary>
/// <remarks>
/// An addition at a point that is the output of an affine map becomes a change of that map's bias: <c>attn_out</c>,
/// <c>resid_mid</c>, <c>mlp_out</c>, <c>resid_post</c> (and <c>resid_pre</c> of the next block) the output projection's
/// bias; <c>ln1</c>, <c>ln2</c>, <c>ln_final</c> the layer norm's bias (RMSNorm has none: <c>ln1</c>/<c>ln2</c> go
/// through W·v into the biases of the projections they feed); <c>attn.q/k/v</c> and <c>mlp.pre</c> the input
/// projection's bias; <c>attn.z</c> and <c>mlp.post</c> the next projection's bias by W·v. What has no such map is
/// refused with the reason (a tied token embedding, attention scores). An addition at every position is all a fold can
/// express: edits limited to some positions cannot fold.
/// </remarks>
public static class WeightFolding
{
    /// <summary>Why an addition at <paramref name="hookName"/> cannot fold exactly into <paramref name="model"/>, or null when it can.</summary>
    public static string? WhyNotFoldable(HookedTransformer model, string hookName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var point = model.Hooks[hookName];
        return RuleFor(ExportArchitecture.For(model), point.Name, out var refusal) is null ? refusal : null;
    }

    /// <summary>
    /// Adds every addition into the weights of <paramref name="model"/>. All are checked first: on an error the model is
    /// unchanged.
    /// </summary>
    /// <exception cref="SteeringException">An unknown point, a vector of the wrong shape, or a point that cannot fold (the message says why).</exception>
    public static void Fold(HookedTransformer model, IEnumerable<SteeringAddition> additions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(additions);
        var architecture = ExportArchitecture.For(model);
        using var scope = NewDisposeScope();
        var planned = new List<(string Parameter, Tensor Increment)>();
        foreach (var addition in additions)
        {
            var point = model.Hooks[addition.HookName];
            addition.Check(point);
            var rule = RuleFor(architecture, point.Name, out var refusal)
                ?? throw new SteeringException($"an addition at '{point.Name}' cannot be folded into the weights: {refusal}");
            var vector = addition.Scaled().flatten();
            planned.AddRange(rule.Changes.Select(change => (change.Parameter, change.Increment(vector))));
        }

        using var noGrad = no_grad();
        foreach (var (name, increment) in planned)
        {
            var parameter = architecture.Weights[name];
            // The sum is formed in float64 and rounded once into the parameter's dtype.
            parameter.copy_(parameter.to(ScalarType.Float64, CPU).add(increment));
        }
    }

    /// <summary>
    /// A new model (the caller owns it) with every addition folded, and <paramref name="model"/> unchanged. Where an
    /// addition needs a bias the model lacks and its config has the flag that adds it (Llama's <c>attention_bias</c> and
    /// <c>mlp_bias</c>, Qwen3's <c>attention_bias</c>), the new model has the flag on: the added biases are zero except
    /// for what folds into them, and config.json says so when saved.
    /// </summary>
    /// <exception cref="SteeringException">As <see cref="Fold"/>: an unknown point, a wrong shape, or a point that cannot fold.</exception>
    public static HookedTransformer Folded(HookedTransformer model, IEnumerable<SteeringAddition> additions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(additions);
        var items = additions.ToList();
        var architecture = ExportArchitecture.For(model);
        var flags = items
            .Select(addition => HookNames.TryParse(model.Hooks[addition.HookName].Name, out var parsed) ? architecture.BiasFlagFor(parsed.Layer, parsed.Site) : null)
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var folded = model.Reconfigured(config => flags.ForEach(flag => config[flag] = true));
        try
        {
            Fold(folded, items);
            return folded;
        }
        catch
        {
            folded.Dispose();
            throw;
        }
    }

    private static FoldRule? RuleFor(ExportArchitecture architecture, string canonicalName, out string refusal)
    {
        if (!HookNames.TryParse(canonicalName, out var parsed))
        {
            refusal = "it is not a hook point name";
            return null;
        }
        return architecture.FoldRuleFor(parsed.Layer, parsed.Site, out refusal);
    }
}
