using System;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// What an edit sees besides the activation: the hook context of the rows it edits and each row's prompt length
/// (known from the row's first pass), which "prompt only" and "generated only" need.
/// </summary>
internal sealed class EditContext
{
    private readonly Func<Tensor> _promptLengths;
    private Tensor? _lengths;

    public EditContext(HookContext hook, Func<Tensor> promptLengths)
    {
        Hook = hook;
        _promptLengths = promptLengths;
    }

    public HookContext Hook { get; }

    /// <summary>[batch] int64 on the activation's device: each row's prompt length.</summary>
    public Tensor PromptLengths => _lengths ??= _promptLengths();

    /// <summary>
    /// <paramref name="edited"/> where <paramref name="positions"/> selects a real token, <paramref name="x"/> elsewhere —
    /// so padding and unselected positions keep their exact values.
    /// </summary>
    public Tensor Blend(Tensor x, Tensor edited, PositionSelector positions) =>
        where(Hook.PerPosition(positions.Select(this)), edited, x);
}
