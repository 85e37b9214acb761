using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Editing;

/// <summary>
/// Which positions an edit applies at. Positions are absolute within each sequence (padding not counted), so a
/// selection stays right under KV-cached generation, where a decode step sees one position whose index is the length
/// so far. The prompt is what a call's (a request's) first pass held; every later position is generated. Padding is
/// never edited, whatever is selected.
/// </summary>
public sealed class PositionSelector : IEquatable<PositionSelector>
{
    private readonly Func<EditContext, Tensor> _select;
    private readonly string _text;
    private readonly object _key;

    private PositionSelector(string text, Func<EditContext, Tensor> select, object? key = null)
    {
        _text = text;
        _select = select;
        _key = key ?? text;
    }

    /// <summary>Every real position: the prompt and generated tokens.</summary>
    public static PositionSelector All { get; } = new("all", c => c.Hook.Positions.ge(0));

    /// <summary>The prompt's positions only.</summary>
    public static PositionSelector Prompt { get; } = new("prompt", c => c.Hook.Positions.lt(c.PromptLengths.unsqueeze(1)));

    /// <summary>Generated positions only (nothing while the prompt is read).</summary>
    public static PositionSelector Generated { get; } = new("generated", c => c.Hook.Positions.ge(c.PromptLengths.unsqueeze(1)));

    /// <summary>The first <paramref name="count"/> positions of each sequence.</summary>
    public static PositionSelector First(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new($"first {count}", c => c.Hook.Positions.lt(count));
    }

    /// <summary>The last <paramref name="count"/> positions of each prompt (e.g. 1: the prompt's last token).</summary>
    public static PositionSelector Last(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new($"last {count}", c =>
        {
            var end = c.PromptLengths.unsqueeze(1);
            return c.Hook.Positions.lt(end).logical_and(c.Hook.Positions.ge(end - count));
        });
    }

    /// <summary>Positions <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive; open when null), as <c>[start:end]</c>.</summary>
    public static PositionSelector Slice(int start, int? end = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (end is int stop) ArgumentOutOfRangeException.ThrowIfLessThan(stop, start, nameof(end));
        return new($"[{start}:{end}]", c =>
        {
            var from = c.Hook.Positions.ge(start);
            return end is int stop ? from.logical_and(c.Hook.Positions.lt(stop)) : from;
        });
    }

    /// <summary>Positions holding one of <paramref name="tokenIds"/> (an allow list).</summary>
    public static PositionSelector Tokens(IEnumerable<int> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        var ids = tokenIds.Select(id => (long)id).Distinct().ToArray();
        if (ids.Length == 0) throw new SteeringException("a token allow list needs at least one token id");
        return new($"tokens {string.Join(",", ids)}", c =>
        {
            var allowed = tensor(ids, ScalarType.Int64, c.Hook.Positions.device);
            return c.Hook.TokenIds.unsqueeze(-1).eq(allowed).any(-1);
        });
    }

    /// <summary>Where <paramref name="select"/> returns true ([batch, pos] bool, e.g. <c>ctx =&gt; ctx.Positions &lt; 2</c>).</summary>
    public static PositionSelector Where(Func<HookContext, Tensor> select)
    {
        ArgumentNullException.ThrowIfNull(select);
        return new("custom", c => select(c.Hook), select);
    }

    /// <summary>Positions both this and <paramref name="other"/> select.</summary>
    public PositionSelector And(PositionSelector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new($"{_text} and {other._text}", c => _select(c).logical_and(other._select(c)), (_key, other._key));
    }

    /// <summary>Selects the same positions by construction (a custom selector: the same function).</summary>
    public bool Equals(PositionSelector? other) => other is not null && _key.Equals(other._key);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PositionSelector);

    /// <inheritdoc/>
    public override int GetHashCode() => _key.GetHashCode();

    /// <summary>[batch, pos] bool: the selected real (non-padding) positions.</summary>
    internal Tensor Select(EditContext context) => _select(context).logical_and(context.Hook.Pass.IsToken);

    /// <inheritdoc/>
    public override string ToString() => _text;
}
