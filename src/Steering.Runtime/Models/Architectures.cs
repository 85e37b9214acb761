using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints;
using Steering.Models.Gemma;
using Steering.Models.Gpt2;
using Steering.Models.Llama;
using Steering.Schema;

namespace Steering.Models;

/// <summary>The architecture families Steering implements, by Hugging Face <c>model_type</c>.</summary>
internal static class Architectures
{
    private static readonly DecoderFamily[] Families = { new Gpt2Family(), new LlamaFamily(), new GemmaFamily() };

    private static readonly Dictionary<string, DecoderFamily> ByModelType =
        Families.SelectMany(f => f.ModelTypes.Select(type => (type, f))).ToDictionary(p => p.type, p => p.f, StringComparer.Ordinal);

    /// <summary>Every supported <c>model_type</c>, sorted.</summary>
    public static IEnumerable<string> SupportedModelTypes => ByModelType.Keys.Order(StringComparer.Ordinal);

    public static HookedTransformer Load(string folder, ModelLoadOptions options)
    {
        using var config = ConfigJson.ReadFolder(folder);
        var family = Find(config);
        var read = family.ReadConfig(config);
        var parts = Parts(family, read, ReadTokens(folder, config, read), options,
            options.Name ?? HookedTransformer.DefaultName(folder), TokenizerLookup.ForFolder(folder));
        using var weights = CheckpointWeights.Open(folder);
        WeightIO.CheckSize(parts.Config.Layout, weights, config.Path);
        HookedTransformer model;
        // Parameters are allocated where they will live, once; the checkpoint is then read into them tensor by tensor.
        using (ParameterAllocation.Use(options.DType, TorchDevices.Parse(options.Device)))
        {
            model = family.Create(parts);
        }
        try
        {
            model.LoadWeights(weights);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public static ModelSchema ReadSchema(string folder, string name) => ReadLayout(folder).ToSchema(name);

    public static DecoderLayout ReadLayout(string folder)
    {
        using var config = ConfigJson.ReadFolder(folder);
        return Find(config).ReadConfig(config).Layout;
    }

    /// <summary>A model with Hugging Face's random initialization for the config in <paramref name="configJson"/>; same seed, same weights.</summary>
    public static HookedTransformer CreateRandom(string configJson, long seed, ModelLoadOptions options)
    {
        using var config = ConfigJson.Parse(configJson);
        var family = Find(config);
        var read = family.ReadConfig(config);
        var tokens = SpecialTokenIdsReader.Read(config, null, read.DefaultBos, read.DefaultEos);
        return CreateRandom(Parts(family, read, tokens, options, options.Name ?? config.ModelType + "-random", TokenizerLookup.None), seed);
    }

    internal static HookedTransformer CreateRandom(ModelParts parts, long seed)
    {
        var model = parts.Family.Create(parts);
        model.Initialize(seed);
        return model;
    }

    internal static ModelParts Parts(DecoderFamily family, ModelConfig config, SpecialTokenIds tokens, ModelLoadOptions options, string name,
        TokenizerSource tokenizer) =>
        new(family, config, tokens, name, options, tokenizer);

    private static SpecialTokenIds ReadTokens(string folder, ConfigJson config, ModelConfig read)
    {
        using var generation = ConfigJson.ReadGenerationConfig(folder);
        return SpecialTokenIdsReader.Read(config, generation, read.DefaultBos, read.DefaultEos);
    }

    private static DecoderFamily Find(ConfigJson config) =>
        ByModelType.TryGetValue(config.ModelType, out var family)
            ? family
            : throw new CheckpointException(config.Path,
                $"model_type \"{config.ModelType}\" is not supported (supported: {string.Join(", ", SupportedModelTypes)})");
}
