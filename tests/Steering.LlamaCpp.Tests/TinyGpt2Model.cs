using System;
using System.IO;
using System.Linq;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Models.Gpt2;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// A tiny random GPT-2 (3 blocks, d_model 32, the real GPT-2 vocabulary and tokenizer files in its folder), its F32
/// GGUF export, and that file loaded in llama.cpp — shared by every test class.
/// </summary>
/// <remarks>
/// Weights are drawn with std 0.1 and every bias and layer-norm parameter is random too (Hugging Face's init leaves
/// biases at zero, which would let a wrong bias layout pass unnoticed); logits come out of order 1.
/// </remarks>
public sealed class TinyGpt2Model : IDisposable
{
    /// <summary>
    /// How far llama.cpp's logits may be from ours with the GELU in play: ggml's CPU GELU goes through a float16 lookup
    /// table (measured: 7.7e-4 on this model, logit std 0.54); everything else agrees to ~1e-6.
    /// </summary>
    public const double GeluTolerance = 2e-3;

    public const string Prompt = "The quick brown fox jumps over the lazy dog, and then it sleeps.";

    private readonly TempDirectory _folder = new();

    public TinyGpt2Model()
    {
        ModelDir = Path.Combine(_folder.Path, "tiny-gpt2");
        var config = new Gpt2Config { VocabSize = 50257, NPositions = 64, NEmbd = 32, NLayer = 3, NHead = 4, NInner = 128 };
        using (var random = Gpt2Model.CreateRandom(config, seed: 7))
        {
            Randomize(random, seed: 11);
            random.Save(ModelDir);
        }
        Model = HookedTransformer.Load(ModelDir);
        Ids = Model.Tokenizer.Encode(Prompt);
        GgufPath = File("tiny-gpt2.f32.gguf");
        GgufModelExport.Write(Model, GgufPath, GgmlType.F32);
        Engine = new LlamaCppEngine(GgufPath);
    }

    public string ModelDir { get; }

    /// <summary>The model as this library loads it from <see cref="ModelDir"/>.</summary>
    public HookedTransformer Model { get; }

    /// <summary>The ids of <see cref="Prompt"/>.</summary>
    public int[] Ids { get; }

    public string GgufPath { get; }

    /// <summary><see cref="GgufPath"/> in llama.cpp.</summary>
    public LlamaCppEngine Engine { get; }

    public string File(string name) => _folder.File(name);

    /// <summary>Our logits for <see cref="Ids"/>, [pos, vocab] as float64.</summary>
    public Tensor OurLogits(HookedTransformer? model = null)
    {
        using var noGrad = no_grad();
        using var logits = (model ?? Model).Forward((model ?? Model).TokenTensor(Ids));
        return logits[0].to(ScalarType.Float64).DetachFromDisposeScope();
    }

    /// <summary>A fresh copy of the model, to change.</summary>
    public Gpt2Model LoadCopy() => Gpt2Model.Load(ModelDir);

    /// <summary>Zeroes every MLP output projection, so the GELU no longer reaches the residual stream (its bias still does).</summary>
    public static void ZeroMlpOutputWeights(Gpt2Model model)
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in model.NamedParameters().Where(p => p.Name.EndsWith("mlp.c_proj.weight", StringComparison.Ordinal)))
            parameter.zero_();
    }

    /// <summary>The largest absolute difference between llama.cpp's logits and <paramref name="ours"/>.</summary>
    public static double MaxDifference(float[][] theirs, Tensor ours)
    {
        using var scope = NewDisposeScope();
        var stacked = stack(theirs.Select(row => tensor(row)).ToArray()).to(ScalarType.Float64);
        Assert.Equal(ours.shape, stacked.shape);
        return (stacked - ours).abs().max().item<double>();
    }

    /// <summary>A random float32 vector of <paramref name="length"/> values, std <paramref name="std"/>.</summary>
    public static Tensor RandomVector(long length, long seed, double std = 1.0) =>
        randn(length, generator: new Generator((ulong)seed)).mul(std);

    public void Dispose()
    {
        Engine.Dispose();
        Model.Dispose();
        _folder.Dispose();
    }

    private static void Randomize(Gpt2Model model, long seed)
    {
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            using var noise = randn(parameter.shape, generator: generator);
            var isNormScale = name.Contains("ln_", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);
            parameter.copy_(isNormScale ? noise.mul(0.1).add(1) : noise.mul(0.1));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TinyGpt2Group : ICollectionFixture<TinyGpt2Model>
{
    public const string Name = "tiny GPT-2 in llama.cpp";
}
