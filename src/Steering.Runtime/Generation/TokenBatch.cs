using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Generation;

/// <summary>
/// Prompts of different lengths as one batch, left-padded as Hugging Face pads decoder-only models: every prompt ends at
/// the last column, so each sequence's next token is read from the same place, and the mask hides the padding.
/// </summary>
public static class TokenBatch
{
    /// <summary>Ids [batch, longest] int64 and mask [batch, longest] int64 (1 at tokens, 0 at padding).</summary>
    /// <exception cref="SteeringException">No prompts, or an empty prompt.</exception>
    public static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, int padTokenId, Device device)
    {
        Validate(prompts);
        var longest = prompts.Max(p => p.Count);
        var ids = new long[prompts.Count * longest];
        var mask = new long[prompts.Count * longest];
        for (var row = 0; row < prompts.Count; row++)
        {
            var prompt = prompts[row];
            var start = row * longest;
            var padding = longest - prompt.Count;
            Array.Fill(ids, padTokenId, start, padding);
            for (var i = 0; i < prompt.Count; i++)
            {
                ids[start + padding + i] = prompt[i];
                mask[start + padding + i] = 1;
            }
        }
        var shape = new long[] { prompts.Count, longest };
        return (tensor(ids, shape, ScalarType.Int64, device), tensor(mask, shape, ScalarType.Int64, device));
    }

    /// <summary>Checks there is at least one prompt and none is empty.</summary>
    /// <exception cref="SteeringException">No prompts, or an empty prompt.</exception>
    public static void Validate(IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) throw new SteeringException("no prompts were given");
        for (var i = 0; i < prompts.Count; i++)
            if (prompts[i] is null || prompts[i].Count == 0)
                throw new SteeringException($"prompt {i} has no tokens; a prompt needs at least one");
    }
}
