using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>
/// The weights of a Hugging Face model folder: <c>model.safetensors</c>, or the shards that
/// <c>model.safetensors.index.json</c> lists. Every file is opened and validated up front; tensors load on demand.
/// </summary>
public sealed partial class CheckpointWeights : IDisposable
{
    private readonly IReadOnlyList<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _fileByName;
    private readonly string _indexOrFile;
    private readonly StagingBuffer _staging = new();

    private CheckpointWeights(string folder, string indexOrFile, IReadOnlyList<SafetensorsFile> files,
        Dictionary<string, SafetensorsFile> fileByName, IReadOnlyCollection<string> names)
    {
        Folder = folder;
        _indexOrFile = indexOrFile;
        _files = files;
        _fileByName = fileByName;
        Names = names;
    }

    /// <summary>The model folder, as given to <see cref="Open"/>.</summary>
    public string Folder { get; }

    /// <summary>Every tensor name, in the order of the file or of the index's <c>weight_map</c>.</summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Opens the weights in <paramref name="folder"/> and validates every file they span.</summary>
    /// <exception cref="CheckpointException">
    /// No weights in a supported format, an unreadable or malformed file, a missing shard, or an index entry whose shard lacks the tensor.
    /// </exception>
    public static CheckpointWeights Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new CheckpointException(folder, $"no such folder; expected a Hugging Face model folder holding {HuggingFaceLayout.SingleFile} or {HuggingFaceLayout.IndexFile}");
        }

        var single = Path.Combine(folder, HuggingFaceLayout.SingleFile);
        if (File.Exists(single))
        {
            var file = SafetensorsFile.Open(single);
            var byName = file.Entries.ToDictionary(e => e.Name, _ => file, StringComparer.Ordinal);
            return new CheckpointWeights(folder, single, [file], byName, file.Entries.Select(e => e.Name).ToList().AsReadOnly());
        }

        var index = Path.Combine(folder, HuggingFaceLayout.IndexFile);
        if (File.Exists(index))
        {
            return OpenSharded(folder, index);
        }

        var pickles = HuggingFaceLayout.PickleFiles.Where(name => File.Exists(Path.Combine(folder, name))).ToList();
        var found = pickles.Count > 0
            ? $"found only {string.Join(" and ", pickles)}: PyTorch pickles are not supported (they can run code when loaded); convert them to safetensors"
            : "PyTorch .bin pickles are not supported; convert them to safetensors";
        throw new CheckpointException(folder,
            $"no weights: looked for {HuggingFaceLayout.SingleFile} and {HuggingFaceLayout.IndexFile}; {found}");
    }

    /// <summary>Whether the weights include a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _fileByName.ContainsKey(name);
    }

    /// <summary>The header entry of the tensor <paramref name="name"/>, from whichever file holds it.</summary>
    /// <exception cref="CheckpointException">No tensor has that name.</exception>
    public SafetensorsEntry GetEntry(string name) => FileOf(name).GetEntry(name);

    /// <summary>
    /// Loads the tensor <paramref name="name"/> as <see cref="SafetensorsFile.Load"/> does: stored type first, then
    /// converted to <paramref name="dtype"/> and moved to <paramref name="device"/> when given.
    /// </summary>
    /// <exception cref="CheckpointException">No tensor has that name, or its file cannot provide it.</exception>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null) => FileOf(name).Load(name, dtype, device);

    /// <summary>
    /// Reads the tensor <paramref name="name"/> into <paramref name="destination"/> as <see cref="SafetensorsFile.LoadInto(string, Tensor)"/>
    /// does: in place, converted to its type and device, without a second copy of the tensor.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another shape or is not contiguous.</exception>
    /// <exception cref="CheckpointException">No tensor has that name, or its file cannot provide it.</exception>
    /// <remarks>Conversions reuse one staging buffer across tensors and files, freed by <see cref="Dispose"/>.</remarks>
    public void LoadInto(string name, Tensor destination) => FileOf(name).LoadInto(name, destination, SafetensorsFile.StagingBytes, _staging);

    /// <summary>A view of the tensor <paramref name="name"/> in its file's memory mapping, or null; see <see cref="SafetensorsFile.TryMap"/>.</summary>
    internal Tensor? TryMap(string name, ScalarType dtype) => FileOf(name).TryMap(name, dtype);

    /// <summary>Closes every file. Tensors already loaded stay valid.</summary>
    public void Dispose()
    {
        _staging.Dispose();
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private SafetensorsFile FileOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _fileByName.TryGetValue(name, out var file)
            ? file
            : throw new CheckpointException(_indexOrFile,
                $"no tensor named '{name}' (the weights hold {SafetensorsFile.DescribeNames(Names, Names.Count)})");
    }

    private static CheckpointWeights OpenSharded(string folder, string index)
    {
        var weightMap = ShardIndex.Read(index, folder);
        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var byName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (name, shardName) in weightMap)
            {
                if (!shards.TryGetValue(shardName, out var shard))
                {
                    var shardPath = Path.Combine(folder, shardName);
                    if (!File.Exists(shardPath))
                    {
                        throw new CheckpointException(index, $"shard '{shardName}' (holding tensor '{name}') is missing from the folder");
                    }
                    shard = SafetensorsFile.Open(shardPath);
                    shards.Add(shardName, shard);
                }
                if (!shard.Contains(name))
                {
                    throw new CheckpointException(index, $"the index maps tensor '{name}' to shard '{shardName}', which does not hold it");
                }
                byName.Add(name, shard);
            }
            return new CheckpointWeights(folder, index, [.. shards.Values], byName, weightMap.Select(p => p.Key).ToList().AsReadOnly());
        }
        catch
        {
            foreach (var shard in shards.Values)
            {
                shard.Dispose();
            }
            throw;
        }
    }
}
