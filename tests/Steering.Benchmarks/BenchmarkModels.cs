using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Hooks;
using Steering.Models.Gpt2;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>The models, inputs and hook set-ups every benchmark and the quick harness share.</summary>
public static class BenchmarkModels
{
    /// <summary>The seed of every random model and input, so runs compare like with like.</summary>
    public const long Seed = 1234;

    /// <summary>Where the steering hook goes: the middle of GPT-2 small's residual stream.</summary>
    public const string SteeringPoint = "blocks.6.resid_pre";

    /// <summary>The steering coefficient (the value does not change the cost).</summary>
    public const double SteeringCoefficient = 4.0;

    /// <summary>GPT-2 small's shape: 12 layers, d_model 768, 12 heads, vocab 50257, n_ctx 1024 (124M parameters).</summary>
    public static Gpt2Config Gpt2Small { get; } = new()
    {
        NLayer = 12,
        NEmbd = 768,
        NHead = 12,
        NInner = 3072,
        VocabSize = 50257,
        NPositions = 1024,
    };

    /// <summary>A 1-layer toy model, where the hook machinery is the largest share of a forward pass.</summary>
    public static Gpt2Config Tiny { get; } = new()
    {
        NLayer = 1,
        NEmbd = 64,
        NHead = 4,
        NInner = 256,
        VocabSize = 1000,
        NPositions = 128,
    };

    /// <summary>A model with random weights (fp32, CPU).</summary>
    public static Gpt2Model Create(Gpt2Config config) => Gpt2Model.CreateRandom(config, Seed);

    /// <summary>The same random weights as <see cref="Create(Gpt2Config)"/>, held and computed in <paramref name="dtype"/> (CPU).</summary>
    public static Gpt2Model Create(Gpt2Config config, ScalarType dtype) =>
        Gpt2Model.CreateRandom(config, Seed, new ModelLoadOptions { DType = dtype });

    /// <summary>[batch, length] int64 ids, uniform over the vocabulary; owned by the caller (outside any dispose scope).</summary>
    public static Tensor RandomIds(int batch, int length, int vocabSize, long seed = Seed)
    {
        using var generator = new Generator((ulong)seed);
        return randint(0, vocabSize, new long[] { batch, length }, ScalarType.Int64, generator: generator).DetachFromDisposeScope();
    }

    /// <summary>Prompts of <paramref name="length"/> token ids each, as <see cref="HookedTransformer.Generate(IReadOnlyList{IReadOnlyList{int}}, Generation.GenerationOptions?)"/> takes them.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> RandomPrompts(int batch, int length, int vocabSize, long seed = Seed)
    {
        using var ids = RandomIds(batch, length, vocabSize, seed);
        var flat = ids.data<long>().ToArray();
        return Enumerable.Range(0, batch)
            .Select(row => (IReadOnlyList<int>)flat.Skip(row * length).Take(length).Select(id => (int)id).ToList())
            .ToList();
    }

    /// <summary>One steering hook: adds <see cref="SteeringCoefficient"/> × a random unit-scale vector at <see cref="SteeringPoint"/>.</summary>
    public static HookScope InstallSteering(HookedTransformer model)
    {
        var scope = model.Hooks.CreateScope();
        using var generator = new Generator((ulong)Seed + 1);
        using var vector = randn(new long[] { model.Dimensions.DModel }, generator: generator);
        return scope.AddVector(SteeringPoint, vector, SteeringCoefficient);
    }

    /// <summary>
    /// A reading hook (returns null: observes, changes nothing) on every hook point. Hooks on the attention scores and
    /// pattern make the model take the explicit attention path instead of the fused scaled_dot_product_attention.
    /// </summary>
    public static HookScope InstallReadersEverywhere(HookedTransformer model)
    {
        var scope = model.Hooks.CreateScope();
        foreach (var point in model.Hooks)
            scope.Add(point, static (_, _) => null);
        return scope;
    }

    /// <summary>The names of every block's resid_post point.</summary>
    public static string[] ResidPostNames(HookedTransformer model) =>
        Enumerable.Range(0, model.Dimensions.NLayers).Select(layer => $"blocks.{layer}.resid_post").ToArray();

    /// <summary>One inference forward pass; every tensor it makes (logits included) is freed before returning.</summary>
    /// <returns>The vocabulary size of the logits, so the work has an observable result.</returns>
    public static long Forward(HookedTransformer model, Tensor ids)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.Forward(ids).shape[2];
    }
}
