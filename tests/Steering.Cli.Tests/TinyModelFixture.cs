using System;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

/// <summary>One tiny random GPT-2 checkpoint (2 layers, d_model 32, 4 heads, real GPT-2 vocabulary) for every CLI test.</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly TinyGpt2Folder _model = new();
    private readonly TempDirectory _files = new();

    public string ModelDir => _model.Path;

    public Steering.Models.Gpt2.Gpt2Config Config => _model.Config;

    /// <summary>A fresh file path in a scratch folder.</summary>
    public string NewFile(string name) => _files.File(Guid.NewGuid().ToString("N")[..8] + "-" + name);

    /// <summary>Writes a vector file holding <paramref name="values"/>.</summary>
    public string WriteVector(Tensor values, string? hook = null)
    {
        var path = NewFile("vector.safetensors");
        using var vector = SteeringVector.FromTensor(values, hook);
        vector.Save(path);
        return path;
    }

    public HookedTransformer Load() => HookedTransformer.Load(ModelDir);

    public void Dispose()
    {
        _model.Dispose();
        _files.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelGroup : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "tiny model";
}
