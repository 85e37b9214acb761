using System;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Models;
using static TorchSharp.torch;

namespace Steering;

public partial class HookedTransformer
{
    /// <summary>
    /// A new model (the caller owns it) whose config.json is this model's with <paramref name="edit"/> applied, read back
    /// by the family's own config reader so the layout and the config it saves agree. Parameters both models have are
    /// copied; the ones only the new layout has (biases a flag turned on) are zero, so before anything changes them the
    /// new model computes what this one does. Same device, dtype, special tokens and tokenizer.
    /// </summary>
    internal HookedTransformer Reconfigured(Action<JsonObject> edit)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var json = JsonNode.Parse(_parts.Config.ToJson(SpecialTokens))!.AsObject();
        edit(json);
        using var config = ConfigJson.Parse(json.ToJsonString());
        var tokenizer = new TokenizerSource(() => _tokenizer.Value, _parts.Tokenizer.Missing);
        var model = _parts.Family.Create(_parts with { Config = _parts.Family.ReadConfig(config), Tokenizer = tokenizer });
        try
        {
            model.Place();
            var ours = NamedParameters().ToDictionary(p => WeightMap.CheckpointName(p.Name), p => p.Parameter, StringComparer.Ordinal);
            using var noGrad = no_grad();
            foreach (var (name, parameter) in model.NamedParameters())
            {
                if (ours.TryGetValue(model.WeightMap.CheckpointName(name), out var source)) parameter.copy_(source);
                else parameter.zero_();
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
