using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace Steering.Models;

/// <summary>
/// How one architecture's parameters are named in Hugging Face checkpoints: each parameter of our module tree (its
/// path, as <c>named_parameters</c> gives it) and the tensor name it is stored under, the prefixes checkpoints may put
/// before every name, and the tensors checkpoints carry that are not parameters. Loading, saving (and later weight
/// folding and GGUF export) read this one table. Every entry is a rename: our modules keep each architecture's own
/// weight layout, so no tensor needs transposing or splitting.
/// </summary>
public sealed class WeightMap
{
    private readonly Dictionary<string, string> _checkpointNameOf;

    /// <param name="entries">Module path → checkpoint tensor name, for every parameter.</param>
    /// <param name="loadPrefixes">Prefixes a checkpoint may put before every name (GPT-2's <c>transformer.</c>); tried after the bare name.</param>
    /// <param name="savePrefix">The prefix <c>save_pretrained</c> writes ("" for none).</param>
    /// <param name="ignorable">Tensors checkpoints carry that are not parameters (buffers, a tied <c>lm_head.weight</c>): ignored without a warning.</param>
    public WeightMap(IEnumerable<KeyValuePair<string, string>> entries, IReadOnlyList<string> loadPrefixes, string savePrefix, Regex ignorable)
    {
        _checkpointNameOf = new Dictionary<string, string>(entries, StringComparer.Ordinal);
        LoadPrefixes = loadPrefixes;
        SavePrefix = savePrefix;
        Ignorable = ignorable;
    }

    /// <summary>A map where every module path is its checkpoint name (Llama-style module trees mirror Hugging Face's).</summary>
    public static WeightMap Identity(IEnumerable<string> modulePaths, IReadOnlyList<string> loadPrefixes, string savePrefix, Regex ignorable) =>
        new(modulePaths.Select(path => new KeyValuePair<string, string>(path, path)), loadPrefixes, savePrefix, ignorable);

    /// <summary>Prefixes a checkpoint may put before every tensor name.</summary>
    public IReadOnlyList<string> LoadPrefixes { get; }

    /// <summary>The prefix written before every tensor name on save.</summary>
    public string SavePrefix { get; }

    /// <summary>Checkpoint tensors that are not parameters and are skipped silently.</summary>
    public Regex Ignorable { get; }

    /// <summary>Module path → checkpoint tensor name (without a prefix).</summary>
    public IReadOnlyDictionary<string, string> Entries => _checkpointNameOf;

    /// <summary>The checkpoint name of the parameter at <paramref name="modulePath"/>.</summary>
    public string CheckpointName(string modulePath) => _checkpointNameOf[modulePath];

    /// <summary>The names a checkpoint may store the parameter at <paramref name="modulePath"/> under, in the order tried.</summary>
    public IEnumerable<string> CandidateNames(string modulePath)
    {
        var name = CheckpointName(modulePath);
        yield return name;
        foreach (var prefix in LoadPrefixes) yield return prefix + name;
    }
}
