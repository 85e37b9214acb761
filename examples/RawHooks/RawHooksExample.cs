using System;
using System.Collections.Generic;
using System.IO;
using Steering;
using Steering.Hooks;
using static TorchSharp.torch;

namespace RawHooks;

/// <summary>
/// Raw hooks, as the reference writes them with PyTorch's <c>register_forward_hook</c> and TransformerLens's
/// <c>add_hook</c>: a function that sees the activation at a hook point and returns null (read) or a replacement.
/// <c>model.Hook</c> returns a scope; disposing it is <c>handle.remove()</c>, and <c>using</c> makes it happen.
/// </summary>
public static class RawHooksExample
{
    /// <summary>Where this example reads and steers.</summary>
    public const string HookName = "blocks.2.resid_pre";

    /// <summary>The prompt the reference continues.</summary>
    public const string Prompt = "I think dogs are";

    /// <summary>How strongly to steer.</summary>
    public const double Coefficient = 1;

    /// <summary>
    /// The reference's <c>cache_hook</c>: a reading hook (it returns null) keeps each pass's last-position activation;
    /// the steering vector is the difference between the two prompts'. The caller owns the result.
    /// </summary>
    public static Tensor ContrastByHook(HookedTransformer model, string positive, string negative)
    {
        ArgumentNullException.ThrowIfNull(model);
        var seen = new List<Tensor>();
        using (model.Hook(HookName, (x, ctx) => { seen.Add(x[0, -1].clone().DetachFromDisposeScope()); return null; }))
        {
            model.Forward(positive).Dispose();
            model.Forward(negative).Dispose();
        }
        var vector = seen[0] - seen[1];
        seen.ForEach(t => t.Dispose());
        return vector;
    }

    /// <summary>The reference's <c>act_add</c>: replaces the activation by activation + coefficient × vector.</summary>
    public static HookFunction ActAdd(Tensor vector, double coefficient) => (x, ctx) => x + coefficient * vector;

    /// <summary>Steers with a raw hook, then shows hooks reading each other's results and cancelling out.</summary>
    public static void Run(string modelFolder, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var model = HookedTransformer.Load(modelFolder);
        using var scope = NewDisposeScope();
        var vector = ContrastByHook(model, "Love", "Hate");
        output.WriteLine($"{HookName}: |Love - Hate| = {vector.norm().item<float>():F2}");

        output.WriteLine($"baseline            {model.Generate(Prompt, maxNewTokens: 10)}");
        using (model.Hook(HookName, ActAdd(vector, Coefficient)))
            output.WriteLine($"+{Coefficient} x (Love - Hate)  {model.Generate(Prompt, maxNewTokens: 10)}");
        using (model.Hook(HookName, ActAdd(vector, -Coefficient)))
            output.WriteLine($"-{Coefficient} x (Love - Hate)  {model.Generate(Prompt, maxNewTokens: 10)}");

        // Hooks at one point run in the order they were added, each on the previous one's result: a reader added
        // before the edit sees the model's activation, one added after sees the edited one.
        var unit = vector / vector.norm();
        var along = new List<float>();
        HookFunction measure = (x, ctx) => { along.Add((x[0, -1] * unit).sum().item<float>()); return null; };
        using (model.Hook(HookName, measure))
        using (model.Hook(HookName, ActAdd(vector, Coefficient)))
        using (model.Hook(HookName, measure))
            model.Forward(Prompt);
        output.WriteLine($"last position along (Love - Hate): read before the edit {along[0]:F2}, after it {along[1]:F2} " +
                         $"(+{Coefficient} x {vector.norm().item<float>():F2})");

        // Two edits compose: + and − the same vector give back the unsteered logits (up to float rounding).
        var baseline = model.Forward(Prompt);
        Tensor composed;
        using (model.Hook(HookName, ActAdd(vector, Coefficient)))
        using (model.Hook(HookName, ActAdd(vector, -Coefficient)))
            composed = model.Forward(Prompt);
        output.WriteLine($"+{Coefficient} then -{Coefficient}: max |logit - baseline| = {(composed - baseline).abs().max().item<float>():G3}; " +
                         $"hooks left installed: {model.Hooks.AnyHooked}");
    }
}
