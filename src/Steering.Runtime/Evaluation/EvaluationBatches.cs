using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Evaluation;

/// <summary>
/// Token sequences run through the model a batch at a time, left-padded together as generation pads them, so the
/// steering sees the same positions and padding it would see while generating. Padding never reaches a measurement:
/// each caller reads only the real positions the mask marks.
/// </summary>
internal static class EvaluationBatches
{
    /// <summary>Texts tokenized with the model's tokenizer, with the special tokens it adds to a prompt.</summary>
    public static List<IReadOnlyList<int>> Encode(HookedTransformer model, IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        return texts.Select(text => (IReadOnlyList<int>)model.Tokenizer.Encode(text)).ToList();
    }

    /// <summary>The sequences in consecutive batches of at most <paramref name="batchSize"/>, with each batch's first index.</summary>
    public static IEnumerable<(int First, IReadOnlyList<IReadOnlyList<int>> Rows)> Split(IReadOnlyList<IReadOnlyList<int>> sequences, int batchSize)
    {
        for (var first = 0; first < sequences.Count; first += batchSize)
            yield return (first, sequences.Skip(first).Take(batchSize).ToList());
    }

    /// <summary>
    /// One batch through the model without gradients, steered by <paramref name="steering"/> (this call only): float32
    /// log-probabilities [batch, pos, d_vocab], ids [batch, pos] and mask [batch, pos] (true at tokens), in the caller's
    /// dispose scope.
    /// </summary>
    public static (Tensor LogProbs, Tensor Ids, Tensor Mask) Forward(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> rows,
        SteeringSpec? steering)
    {
        using var noGrad = no_grad();
        var (ids, mask) = TokenBatch.LeftPad(rows, model.SpecialTokens.PaddingId, model.Device);
        return (Divergence.LogProbabilities(model.Forward(ids, mask, null, steering)), ids, mask.ne(0));
    }

    /// <summary>
    /// For each sequence, the sum of log P(token | the tokens before it) over its tokens from index
    /// <paramref name="scoredFrom"/>[row] on (at least 1: the first token has nothing before it), and how many there are,
    /// with the model steered by <paramref name="steering"/>.
    /// </summary>
    public static (double[] Sums, int[] Counts) TokenLogProbabilities(HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> sequences, IReadOnlyList<int> scoredFrom, int batchSize, SteeringSpec? steering)
    {
        var sums = new double[sequences.Count];
        var counts = new int[sequences.Count];
        foreach (var (first, rows) in Split(sequences, batchSize))
        {
            using var scope = NewDisposeScope();
            var (logProbs, ids, _) = Forward(model, rows, steering);
            var width = (int)ids.shape[1];
            // Column j predicts the token in column j + 1; a token is scored when its index in its own sequence is at
            // least scoredFrom (left padding shifts each row's tokens right by its padding, so no padding is scored).
            var predicted = logProbs[.., ..^1].gather(-1, ids[.., 1..].unsqueeze(-1)).squeeze(-1).to(ScalarType.Float64);
            var scored = new bool[rows.Count * (width - 1)];
            for (var row = 0; row < rows.Count; row++)
            {
                var start = Math.Max(1, scoredFrom[first + row]);
                var padding = width - rows[row].Count;
                for (var index = start; index < rows[row].Count; index++)
                    scored[(row * (width - 1)) + padding + index - 1] = true;
                counts[first + row] = Math.Max(0, rows[row].Count - start);
            }
            var selected = tensor(scored, new long[] { rows.Count, width - 1 }, device: predicted.device);
            var perRow = predicted.where(selected, zeros_like(predicted)).sum(1).cpu().data<double>().ToArray();
            perRow.CopyTo(sums, first);
        }
        return (sums, counts);
    }
}
