using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Steering.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>
/// Loading and saving any architecture's parameters through its <see cref="WeightMap"/>: the size guard, shape checks,
/// conversion from the stored dtype (F32/F16/BF16) to the compute dtype, and warnings about unused tensors.
/// </summary>
internal static class WeightIO
{
    /// <summary>
    /// A config that claims far more parameters than the files hold would make the allocation fail natively (out of
    /// memory) before any tensor could be compared: say so first. The slack leaves small gaps (a missing or misshapen
    /// tensor) to the precise messages of <see cref="Load"/>.
    /// </summary>
    public static void CheckSize(DecoderLayout layout, CheckpointWeights weights, string configPath)
    {
        var stored = weights.Names.Sum(name => weights.GetEntry(name).ElementCount);
        if (layout.ParameterCount > (2 * stored) + 1_000_000)
            throw new CheckpointException(configPath,
                $"describes a {layout.ModelType} with {layout.ParameterCount:N0} parameters, but the checkpoint holds {stored:N0} values");
    }

    /// <summary>Copies every parameter of <paramref name="parameters"/> from the checkpoint; returns warnings about tensors nothing uses.</summary>
    /// <exception cref="CheckpointException">A tensor is missing or has another shape than the config needs.</exception>
    /// <remarks>
    /// With <paramref name="memoryMap"/>, a CPU parameter whose tensor is stored in its dtype is set to a view of the file's
    /// mapping (<see cref="ModelLoadOptions.MemoryMap"/>) rather than filled.
    /// </remarks>
    public static List<string> Load(IReadOnlyList<(string Name, Parameter Parameter)> parameters, WeightMap map,
        CheckpointWeights weights, string family, bool memoryMap = false)
    {
        var sourceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (name, _) in parameters)
        {
            var found = map.CandidateNames(name).FirstOrDefault(weights.Contains);
            if (found is null) missing.Add(map.CheckpointName(name));
            else sourceOf[name] = found;
        }
        if (missing.Count > 0)
            throw new CheckpointException(weights.Folder,
                $"missing {missing.Count} tensor(s) {family} needs: {string.Join(", ", missing.Take(6))}{(missing.Count > 6 ? ", …" : "")}");

        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                var entry = weights.GetEntry(sourceOf[name]);
                if (!entry.Shape.SequenceEqual(parameter.shape))
                    throw new CheckpointException(weights.Folder,
                        $"tensor '{entry.Name}' is [{string.Join(", ", entry.Shape)}]; the config needs [{string.Join(", ", parameter.shape)}]");
                if (memoryMap && parameter.device_type == DeviceType.CPU && weights.TryMap(entry.Name, parameter.dtype) is { } mapped)
                {
                    // The parameter takes the mapping's storage (its own, never written, is freed). set_ returns the
                    // parameter itself, which must stay alive.
                    using (mapped) parameter.set_(mapped);
                    continue;
                }
                // Straight into the parameter, one tensor at a time: no second copy of the model ever exists.
                weights.LoadInto(entry.Name, parameter);
            }
        }

        var used = new HashSet<string>(sourceOf.Values, StringComparer.Ordinal);
        return weights.Names.Where(n => !used.Contains(n) && !map.Ignorable.IsMatch(n)).Order(StringComparer.Ordinal)
            .Select(n => $"checkpoint tensor '{n}' is not used by {family} and was ignored").ToList();
    }

    /// <summary>Writes the parameters under their checkpoint names, config.json and generation_config.json.</summary>
    public static void Save(string folder, IEnumerable<(string Name, Parameter Parameter)> parameters, WeightMap map,
        ScalarType storeAs, string configJson, string generationConfigJson)
    {
        Directory.CreateDirectory(folder);
        var tensors = parameters.Select(p => new KeyValuePair<string, Tensor>(map.SavePrefix + map.CheckpointName(p.Name), p.Parameter));
        CheckpointWeights.Save(folder, tensors, storeAs: storeAs, metadata: new Dictionary<string, string> { ["format"] = "pt" });
        var utf8 = new UTF8Encoding(false);
        AtomicFile.Write(Path.Combine(folder, ConfigJson.FileName), stream => stream.Write(utf8.GetBytes(configJson)));
        AtomicFile.Write(Path.Combine(folder, ConfigJson.GenerationFileName), stream => stream.Write(utf8.GetBytes(generationConfigJson)));
    }
}
