using System;
using System.IO;
using Steering;
using Steering.Vectors;
using static TorchSharp.torch;

namespace SteerAtDsl;

/// <summary>
/// A steering site checked at compile time: the generator reads tiny-sentiment.schema.json and gives this class a
/// vector property (<c>Blocks2ResidPre</c>), <c>Build</c> (from any vector builder), <c>Apply</c>, <c>Load</c>/<c>Save</c>.
/// A misspelt hook name or a layer the model lacks is a build error, not a run-time surprise.
/// </summary>
[SteerAt("blocks.2.resid_pre")]
public partial class LoveHate { }

/// <summary>The reference's Love − Hate steering, written with the <c>[SteerAt]</c> DSL.</summary>
public static class SteerAtDslExample
{
    /// <summary>The prompt the reference continues.</summary>
    public const string Prompt = "I think dogs are";

    /// <summary>How strongly to steer: the vector is scaled by this (and by minus this for the other way).</summary>
    public const double Coefficient = 1;

    /// <summary>Baseline vs ± (Love − Hate) completions, then the same edit through a per-schema typed hook point.</summary>
    public static void Run(string modelFolder, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var model = HookedTransformer.Load(modelFolder);
        using var love = LoveHate.Build(model, VectorBuilders.Diff("Love", "Hate"));
        output.WriteLine($"{LoveHate.Blocks2ResidPrePoint}: |Love - Hate| = {love.Blocks2ResidPre!.norm().item<float>():F2}");

        output.WriteLine($"baseline            {model.Generate(Prompt, maxNewTokens: 10)}");
        using (love.Apply(model, coefficient: Coefficient))
            output.WriteLine($"+{Coefficient} x (Love - Hate)  {model.Generate(Prompt, maxNewTokens: 10)}");
        using (love.Apply(model, coefficient: -Coefficient))
            output.WriteLine($"-{Coefficient} x (Love - Hate)  {model.Generate(Prompt, maxNewTokens: 10)}");

        // The schema's hook points are typed values too: TinySentiment.Blocks[1].ResidPost is checked at build time like
        // the attribute. Block 1's output is block 2's input, so adding the vector there by hand is the same edit.
        using var scope = NewDisposeScope();
        var delta = love.Blocks2ResidPre * Coefficient;
        Tensor viaApply, viaTypedPoint;
        using (love.Apply(model, coefficient: Coefficient))
            viaApply = model.Forward(Prompt);
        using (model.Hooks.CreateScope().Add(TinySentiment.Blocks[1].ResidPost, (x, ctx) => x + ctx.TokenMask(x.dtype) * delta))
            viaTypedPoint = model.Forward(Prompt);
        output.WriteLine($"love.Apply vs a hook at {TinySentiment.Blocks[1].ResidPost}: max |logit difference| = {(viaApply - viaTypedPoint).abs().max().item<float>():G3}");
    }
}
