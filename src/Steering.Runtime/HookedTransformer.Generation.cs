using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering;

public partial class HookedTransformer
{
    /// <summary>Continues <paramref name="prompt"/> and returns the prompt followed by the new text.</summary>
    public string Generate(string prompt, GenerationOptions? options = null) =>
        prompt + Generate(new[] { Tokenizer.Encode(prompt) }, options)[0].Text;

    /// <summary>Continues <paramref name="prompt"/> greedily by up to <paramref name="maxNewTokens"/> tokens; returns prompt + new text.</summary>
    public string Generate(string prompt, int maxNewTokens) => Generate(prompt, GenerationOptions.Greedy(maxNewTokens));

    /// <summary>Continues a batch of tokenized prompts (left-padded together, KV-cached); one result per prompt.</summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var produced = prompts.Select(_ => new List<int>()).ToArray();
        var stopped = new bool[prompts.Count];
        foreach (var step in GenerateSteps(prompts, options))
        {
            for (var row = 0; row < prompts.Count; row++)
            {
                if (step.TokenIds[row] is int token) produced[row].Add(token);
                stopped[row] = step.Stopped[row];
            }
        }
        return prompts.Select((prompt, row) => new GeneratedSequence(
            prompt, produced[row], HasTokenizer ? Tokenizer.Decode(produced[row]) : "",
            stopped[row] ? StopReason.StopToken : StopReason.MaxNewTokens)).ToList();
    }

    /// <summary>
    /// Streams generation one step at a time: each step yields every sequence's new token (a stop token is reported
    /// as <see cref="GenerationStep.Stopped"/>, not as a token). Installed hooks stay active and see every new position,
    /// with its absolute position and <see cref="Hooks.ForwardPhase.Decode"/>. <see cref="GenerationOptions.Steering"/>
    /// steers this generation only, each prompt as its own sequence. Stop enumerating to stop generating.
    /// </summary>
    /// <exception cref="SteeringException">Bad prompts or settings, or a steering spec that does not fit the model (before any work).</exception>
    public IEnumerable<GenerationStep> GenerateSteps(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        options ??= new GenerationOptions();
        TokenBatch.Validate(prompts);
        TokenSampler.Validate(options);
        options.Steering?.Check(this);
        return Steps(prompts, options);
    }

    private IEnumerable<GenerationStep> Steps(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options)
    {
        var batch = prompts.Count;
        var stopTokens = (options.StopTokens ?? DefaultStopTokens()).ToHashSet();
        var stopped = new bool[batch];
        var (ids, mask) = TokenBatch.LeftPad(prompts, SpecialTokens.PaddingId, Device);
        // Owned here, not by whatever dispose scope the caller has open around the enumeration.
        using var promptIds = ids.DetachFromDisposeScope();
        using var promptMask = mask.DetachFromDisposeScope();
        using var cache = CreateCache();
        using var sampler = new TokenSampler(options);
        var steering = options.Steering is { IsEmpty: false } spec ? RowSteering.ForBatch(Hooks, spec, batch) : null;
        long[]? previous = null;
        for (var index = 0; index < options.MaxNewTokens && !stopped.All(s => s); index++)
        {
            var last = previous;
            var next = NextTokens(sampler, () => last is null
                ? Forward(promptIds, promptMask, cache, lastPositionLogits: true, steering)
                : Forward(tensor(last, new long[] { batch, 1 }, ScalarType.Int64, Device), null, cache, lastPositionLogits: true, steering));
            var tokens = new int?[batch];
            for (var row = 0; row < batch; row++)
            {
                if (stopped[row]) continue;
                if (stopTokens.Contains((int)next[row])) stopped[row] = true;
                else tokens[row] = (int)next[row];
            }
            previous = next;
            // Yielded outside any dispose scope, so tensors the caller makes while handling a step stay its own.
            yield return new GenerationStep(index, tokens, (bool[])stopped.Clone());
        }
    }

    /// <summary>
    /// Where generation stops unless told otherwise: at every EOS id the model's files list (generation_config.json, else
    /// config.json, else the config class's default). When they name none but the tokenizer names an EOS (Qwen's
    /// config classes have no default, and some configs omit the key), at the tokenizer's: the only place that decides it.
    /// </summary>
    internal IReadOnlyList<int> DefaultStopTokens() =>
        SpecialTokens.Eos.Count > 0 ? SpecialTokens.Eos
        : HasTokenizer && Tokenizer.SpecialTokens.Eos is { } eos ? [eos.Id]
        : [];

    /// <summary>One forward pass (the prompt, or the previous tokens against the cache) and the chosen next tokens.</summary>
    private static long[] NextTokens(TokenSampler sampler, Func<Tensor> forward)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return sampler.NextIds(forward());
    }
}
