using System;
using Steering.Models.Gpt2;

namespace Steering.Tests.Support;

/// <summary>Small random GPT-2 checkpoints written in Hugging Face layout, as the tests' models.</summary>
public static class TinyGpt2
{
    /// <summary>A config with the real GPT-2 vocabulary (so the real tokenizer's ids fit) and tiny sizes.</summary>
    public static Gpt2Config Config(int layers = 2, int width = 32, int heads = 4, int context = 64) => new()
    {
        VocabSize = 50257,
        NPositions = context,
        NEmbd = width,
        NLayer = layers,
        NHead = heads,
        NInner = 4 * width,
    };

    public static Gpt2Model Create(int layers = 2, long seed = 1) => Gpt2Model.CreateRandom(Config(layers), seed);

    /// <summary>Writes a random checkpoint into <paramref name="folder"/> and returns its config.</summary>
    public static Gpt2Config Write(string folder, Gpt2Config? config = null, long seed = 1, TorchSharp.torch.ScalarType? storeAs = null)
    {
        config ??= Config();
        using var model = Gpt2Model.CreateRandom(config, seed);
        model.Save(folder, storeAs);
        return config;
    }
}

/// <summary>One tiny checkpoint folder shared by a test class, and the model loaded from it.</summary>
public sealed class TinyGpt2Folder : IModelFolder, IDisposable
{
    private readonly TempDirectory _folder = new();
    private HookedTransformer? _model;

    public TinyGpt2Folder() => Config = TinyGpt2.Write(_folder.Path);

    public string Path => _folder.Path;

    public Gpt2Config Config { get; }

    /// <summary>Loaded on first use (classes that only need the files do not pay for it).</summary>
    public HookedTransformer Model => _model ??= HookedTransformer.Load(Path);

    public void Dispose()
    {
        _model?.Dispose();
        _folder.Dispose();
    }
}
