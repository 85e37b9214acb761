using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;

namespace Steering.Evaluation;

/// <summary>
/// Measures how a steering changes the log-probability of given completions of given prompts — log P(completion |
/// prompt), summed over the completion's tokens — steered minus unsteered: the "target log-probability shift".
/// </summary>
public sealed class LogProbProbe
{
    private readonly HookedTransformer _model;
    private readonly IReadOnlyList<IReadOnlyList<int>> _sequences;
    private readonly IReadOnlyList<int> _completionStarts;
    private readonly EvaluationOptions _options;

    /// <summary>Prepares the probe for tokenized prompts and completions (one completion per prompt).</summary>
    /// <exception cref="SteeringException">No pairs, an empty prompt or completion, or bad options.</exception>
    public LogProbProbe(HookedTransformer model, IReadOnlyList<(IReadOnlyList<int> Prompt, IReadOnlyList<int> Completion)> pairs,
        EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new SteeringException("no prompt and completion pairs were given");
        for (var i = 0; i < pairs.Count; i++)
        {
            if (pairs[i].Prompt is null || pairs[i].Prompt.Count == 0) throw new SteeringException($"prompt {i} has no tokens; a prompt needs at least one");
            if (pairs[i].Completion is null || pairs[i].Completion.Count == 0) throw new SteeringException($"completion {i} has no tokens; a completion needs at least one");
        }
        _options = options ?? new EvaluationOptions();
        _options.Validate();
        _model = model;
        _sequences = pairs.Select(p => (IReadOnlyList<int>)p.Prompt.Concat(p.Completion).ToList()).ToList();
        _completionStarts = pairs.Select(p => p.Prompt.Count).ToList();
        Unsteered = EvaluationBatches.TokenLogProbabilities(model, _sequences, _completionStarts, _options.BatchSize, steering: null).Sums;
    }

    /// <summary>
    /// Prepares the probe for text: each prompt tokenized as a prompt (with the special tokens the tokenizer adds),
    /// each completion as a continuation (without them); a completion usually starts with a space.
    /// </summary>
    /// <exception cref="SteeringException">No pairs, text that tokenizes to nothing, or bad options.</exception>
    public static LogProbProbe FromText(HookedTransformer model, IReadOnlyList<(string Prompt, string Completion)> pairs, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        return new LogProbProbe(model, pairs.Select(p => (
            (IReadOnlyList<int>)model.Tokenizer.Encode(p.Prompt),
            (IReadOnlyList<int>)model.Tokenizer.Encode(p.Completion, addSpecialTokens: false))).ToList(), options);
    }

    /// <summary>Each completion's unsteered log-probability (nats).</summary>
    public IReadOnlyList<double> Unsteered { get; }

    /// <summary>
    /// Each completion's log-probability with the model steered by <paramref name="steering"/> at
    /// <paramref name="coefficient"/> (per call), and its shift.
    /// </summary>
    public LogProbMeasurement Measure(Func<double, SteeringSpec> steering, double coefficient)
    {
        ArgumentNullException.ThrowIfNull(steering);
        var steered = EvaluationBatches.TokenLogProbabilities(_model, _sequences, _completionStarts, _options.BatchSize, steering(coefficient)).Sums;
        return new LogProbMeasurement(coefficient, steered, Unsteered);
    }
}
