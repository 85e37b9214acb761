using System;
using System.Collections.Generic;
using System.Linq;
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

    /// <summary>
    /// <paramref name="edited"/> where row r's selector <paramref name="rows"/>[r] selects a real token (none for a null
    /// selector), <paramref name="x"/> elsewhere: one mask over the batch, each selector evaluated once.
    /// </summary>
    public Tensor Blend(Tensor x, Tensor edited, IReadOnlyList<PositionSelector?> rows)
    {
        Tensor? mask = null;
        foreach (var selector in rows.OfType<PositionSelector>().Distinct())
        {
            var selected = selector.Select(this);
            if (!rows.All(selector.Equals))
                selected = selected.logical_and(tensor(rows.Select(selector.Equals).ToArray(), ScalarType.Bool, x.device).unsqueeze(1));
            mask = mask is null ? selected : mask.logical_or(selected);
        }
        return mask is null ? x : where(Hook.PerPosition(mask), edited, x);
    }
}
