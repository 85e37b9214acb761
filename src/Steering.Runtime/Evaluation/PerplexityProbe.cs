using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;

namespace Steering.Evaluation;

/// <summary>
/// Measures what a steering costs on text it should leave alone: the perplexity of neutral texts, exp of the mean
/// negative log-likelihood over all their predicted tokens (every token after a text's first), steered and unsteered.
/// </summary>
public sealed class PerplexityProbe
{
    private readonly HookedTransformer _model;
    private readonly IReadOnlyList<IReadOnlyList<int>> _texts;
    private readonly int[] _scoredFrom;
    private readonly int _tokens;
    private readonly EvaluationOptions _options;

    /// <summary>Prepares the probe for tokenized texts.</summary>
    /// <exception cref="SteeringException">No texts, an empty one, no text with two tokens, or bad options.</exception>
    public PerplexityProbe(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> texts, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Generation.TokenBatch.Validate(texts);
        _options = options ?? new EvaluationOptions();
        _options.Validate();
        _model = model;
        _texts = texts;
        _scoredFrom = Enumerable.Repeat(1, texts.Count).ToArray();
        _tokens = texts.Sum(t => t.Count - 1);
        if (_tokens == 0) throw new SteeringException("every neutral text is a single token; perplexity needs texts of at least two tokens");
        Unsteered = Perplexity(steering: null);
    }

    /// <summary>Prepares the probe for texts (tokenized with the model's tokenizer).</summary>
    /// <exception cref="SteeringException">No texts, text that tokenizes to nothing, or bad options.</exception>
    public static PerplexityProbe FromText(HookedTransformer model, IReadOnlyList<string> texts, EvaluationOptions? options = null) =>
        new(model, EvaluationBatches.Encode(model, texts), options);

    /// <summary>The unsteered model's perplexity on the texts.</summary>
    public double Unsteered { get; }

    /// <summary>The perplexity with the model steered by <paramref name="steering"/> at <paramref name="coefficient"/> (per call).</summary>
    public PerplexityMeasurement Measure(Func<double, SteeringSpec> steering, double coefficient)
    {
        ArgumentNullException.ThrowIfNull(steering);
        return new PerplexityMeasurement(coefficient, Perplexity(steering(coefficient)), Unsteered);
    }

    private double Perplexity(SteeringSpec? steering)
    {
        var sums = EvaluationBatches.TokenLogProbabilities(_model, _texts, _scoredFrom, _options.BatchSize, steering).Sums;
        return Math.Exp(-sums.Sum() / _tokens);
    }
}
