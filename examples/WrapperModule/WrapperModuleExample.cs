using System;
using System.IO;
using Steering;
using Steering.Hooks;
using static TorchSharp.torch;

namespace WrapperModule;

/// <summary>
/// The reference's <c>WrappedModule</c>, done with a hook instead of replacing a layer: it remembers the activation of
/// the last pass through one hook point (<c>self.output</c>) and, when <see cref="SteeringVector"/> is set
/// (<c>self.steering_vec</c>), returns the activation plus that vector. Dispose it to unwrap.
/// </summary>
public sealed class WrappedHookPoint : IDisposable
{
    private readonly HookScope _hook;
    private Tensor? _output;

    /// <summary>Wraps the hook point <paramref name="hookName"/> of <paramref name="model"/>.</summary>
    public WrappedHookPoint(HookedTransformer model, [HookName] string hookName)
    {
        ArgumentNullException.ThrowIfNull(model);
        _hook = model.Hook(hookName, Forward);
    }

    /// <summary>The activation of the last pass, before steering ([batch, pos, d_model]); null before the first.</summary>
    public Tensor? Output => _output;

    /// <summary>Added at every real position while set ([d_model]); null to leave the activation alone.</summary>
    public Tensor? SteeringVector { get; set; }

    /// <summary>Removes the hook and frees the remembered output.</summary>
    public void Dispose()
    {
        _hook.Dispose();
        _output?.Dispose();
    }

    private Tensor? Forward(Tensor x, HookContext ctx)
    {
        _output?.Dispose();
        _output = x.clone().DetachFromDisposeScope(); // hook tensors die with the pass; keep a copy
        return SteeringVector is null ? null : x + ctx.TokenMask(x.dtype) * SteeringVector;
    }
}

/// <summary>The reference's wrapper-module walk-through, line by line.</summary>
public static class WrapperModuleExample
{
    /// <summary>The wrapped hook point (the reference wraps <c>model.layers[layer_id]</c>).</summary>
    public const string HookName = "blocks.2.resid_pre";

    /// <summary>The prompt the reference continues.</summary>
    public const string Prompt = "I think dogs are";

    /// <summary>How strongly to steer.</summary>
    public const double Coefficient = 1;

    /// <summary>Builds Love − Hate from the wrapper's remembered outputs and steers generation with it, both ways.</summary>
    public static void Run(string modelFolder, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var model = HookedTransformer.Load(modelFolder);
        using var scope = NewDisposeScope();
        using var wrapped = new WrappedHookPoint(model, HookName);

        // define a steering vector: the last position's remembered output for each prompt
        model.Forward("Love");
        var actLove = wrapped.Output![0, -1].clone();
        model.Forward("Hate");
        var actHate = wrapped.Output![0, -1].clone();
        var steeringVec = actLove - actHate;
        output.WriteLine($"{HookName}: |Love - Hate| = {steeringVec.norm().item<float>():F2}");

        // set the steering vector in the wrapper and generate some steered text
        output.WriteLine($"baseline            {model.Generate(Prompt, maxNewTokens: 10)}");
        wrapped.SteeringVector = Coefficient * steeringVec;
        output.WriteLine($"+{Coefficient} x (Love - Hate)  {model.Generate(Prompt, maxNewTokens: 10)}");
        wrapped.SteeringVector = -Coefficient * steeringVec;
        output.WriteLine($"-{Coefficient} x (Love - Hate)  {model.Generate(Prompt, maxNewTokens: 10)}");

        // Under KV-cached generation the last pass is one decode step, so Output holds one position.
        output.WriteLine($"after generating, Output is [{string.Join(", ", wrapped.Output!.shape)}] (the last decode step)");
    }
}
