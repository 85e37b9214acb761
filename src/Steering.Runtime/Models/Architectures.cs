using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints;
using Steering.Models.Gpt2;
using Steering.Schema;

namespace Steering.Models;

/// <summary>The architectures Steering implements, by Hugging Face <c>model_type</c>.</summary>
internal static class Architectures
{
    private sealed record Architecture(
        Func<ConfigJson, string, ModelSchema> ReadSchema,
        Func<string, ConfigJson, ModelLoadOptions, HookedTransformer> Load);

    private static readonly Dictionary<string, Architecture> ByModelType = new(StringComparer.Ordinal)
    {
        [Gpt2Config.ModelType] = new(
            (config, name) => Gpt2Config.Read(config).ToSchema(name),
            (folder, config, options) => Gpt2Model.Load(folder, config, options)),
    };

    public static HookedTransformer Load(string folder, ModelLoadOptions options)
    {
        using var config = ConfigJson.ReadFolder(folder);
        return Find(config).Load(folder, config, options);
    }

    public static ModelSchema ReadSchema(string folder, string name)
    {
        using var config = ConfigJson.ReadFolder(folder);
        return Find(config).ReadSchema(config, name);
    }

    private static Architecture Find(ConfigJson config) =>
        ByModelType.TryGetValue(config.ModelType, out var architecture)
            ? architecture
            : throw new CheckpointException(config.Path,
                $"model_type \"{config.ModelType}\" is not supported (supported: {string.Join(", ", ByModelType.Keys.Order(StringComparer.Ordinal))})");
}
