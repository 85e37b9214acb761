using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;

namespace Steering.Evaluation;

/// <summary>
/// Measures what a steering is for, by the user's own measure: completions of prompts are generated with the steering
/// (per call) and each is scored by a function of its text (e.g. a sentiment score); the effect is the mean score.
/// </summary>
public sealed class EffectProbe
{
    private readonly HookedTransformer _model;
    private readonly IReadOnlyList<IReadOnlyList<int>> _prompts;
    private readonly Func<string, double> _scorer;
    private readonly GenerationOptions _generation;
    private readonly int _samples;

    /// <summary>Prepares the probe.</summary>
    /// <param name="model">The model (with a tokenizer: completions are scored as text).</param>
    /// <param name="prompts">The prompts to continue.</param>
    /// <param name="scorer">A score of one completion's new text (the prompt not included).</param>
    /// <param name="generation">How to continue them (greedy, 20 tokens when null).</param>
    /// <param name="samples">
    /// How many times to continue each prompt; sampling uses seeds <see cref="GenerationOptions.Seed"/>,
    /// Seed + 1, … so scores are reproducible. More than 1 only makes sense when sampling.
    /// </param>
    /// <exception cref="SteeringException">No prompts, an empty prompt, fewer than one sample, or bad generation options.</exception>
    public EffectProbe(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts, Func<string, double> scorer,
        GenerationOptions? generation = null, int samples = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scorer);
        TokenBatch.Validate(prompts);
        if (samples < 1) throw new SteeringException($"the effect needs at least one sample per prompt; got {samples}");
        _generation = generation ?? GenerationOptions.Greedy(20);
        TokenSampler.Validate(_generation);
        _model = model;
        _prompts = prompts;
        _scorer = scorer;
        _samples = samples;
    }

    /// <summary>Prepares the probe for prompts given as text.</summary>
    /// <exception cref="SteeringException">No prompts, a prompt that tokenizes to nothing, or bad options.</exception>
    public static EffectProbe FromText(HookedTransformer model, IReadOnlyList<string> prompts, Func<string, double> scorer,
        GenerationOptions? generation = null, int samples = 1) =>
        new(model, EvaluationBatches.Encode(model, prompts), scorer, generation, samples);

    /// <summary>
    /// The completions (new text only) with the model steered by <paramref name="steering"/> at
    /// <paramref name="coefficient"/> (per call; after any steering the generation options carry): every prompt for the
    /// first sample, then every prompt for the next.
    /// </summary>
    public IReadOnlyList<string> Complete(Func<double, SteeringSpec> steering, double coefficient)
    {
        ArgumentNullException.ThrowIfNull(steering);
        var spec = SteeringSpec.Combine(_generation.Steering ?? SteeringSpec.Empty, steering(coefficient));
        var completions = new List<string>();
        for (var sample = 0; sample < _samples; sample++)
        {
            var options = _generation with { Seed = _generation.Seed + sample, Steering = spec };
            completions.AddRange(_model.Generate(_prompts, options).Select(s => s.Text));
        }
        return completions;
    }

    /// <summary>The completions at <paramref name="coefficient"/> and their scores.</summary>
    /// <exception cref="SteeringException">The scorer returned NaN.</exception>
    public EffectMeasurement Measure(Func<double, SteeringSpec> steering, double coefficient)
    {
        var completions = Complete(steering, coefficient);
        return new EffectMeasurement(coefficient, completions, new ValueSummary(completions.Select(_scorer)));
    }
}
