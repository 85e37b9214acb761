using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

public sealed partial class CheckpointWeights
{
    /// <summary>
    /// Saves <paramref name="tensors"/> into <paramref name="folder"/> as Hugging Face does: one <c>model.safetensors</c>,
    /// or, when they exceed <paramref name="maxShardBytes"/>, shards <c>model-00001-of-0000N.safetensors</c> and a
    /// <c>model.safetensors.index.json</c>.
    /// </summary>
    /// <param name="folder">The model folder; created when missing.</param>
    /// <param name="tensors">Name and tensor pairs; names must be unique.</param>
    /// <param name="maxShardBytes">
    /// The most tensor bytes a shard holds. Tensors are packed in ordinal name order, starting a new shard when the
    /// next would not fit; a tensor larger than this gets a shard of its own.
    /// </param>
    /// <param name="storeAs">A floating-point type for floating-point tensors, as in <see cref="SafetensorsWriter.Write"/>.</param>
    /// <param name="metadata">
    /// Written into every weights file's header. <c>"format": "pt"</c> is added unless given, because
    /// Hugging Face Transformers refuses safetensors weights without a format it knows.
    /// </param>
    /// <remarks>
    /// Each file is replaced atomically. Weights an earlier save left in the other layout (a single file or old shards)
    /// are deleted afterwards, so that <see cref="Open"/> cannot pick up stale tensors. On Windows a file that is open
    /// (opened by a <see cref="CheckpointWeights"/> or <see cref="SafetensorsFile"/>) cannot be replaced: dispose it first.
    /// </remarks>
    /// <exception cref="ArgumentException">Duplicate or reserved names, a null tensor, or a type safetensors cannot store.</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static void Save(string folder, IEnumerable<KeyValuePair<string, Tensor>> tensors, long maxShardBytes = long.MaxValue,
        ScalarType? storeAs = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);

        var planned = SafetensorsWriter.Plan(tensors, storeAs);
        var shards = Pack(planned, maxShardBytes);
        var fileMetadata = metadata is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        fileMetadata.TryAdd("format", "pt");

        Directory.CreateDirectory(folder);
        if (shards.Count == 1)
        {
            SafetensorsWriter.WritePlanned(Path.Combine(folder, HuggingFaceLayout.SingleFile), shards[0], fileMetadata);
            DeleteStale(folder, keep: []);
            return;
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var shardNames = new HashSet<string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (var i = 0; i < shards.Count; i++)
        {
            var shardName = HuggingFaceLayout.ShardFile(i + 1, shards.Count);
            SafetensorsWriter.WritePlanned(Path.Combine(folder, shardName), shards[i], fileMetadata);
            shardNames.Add(shardName);
            foreach (var tensor in shards[i])
            {
                weightMap.Add(tensor.Name, shardName);
                totalSize += tensor.ByteLength;
            }
        }

        // The index goes last: until it is in place, a reader still sees the previous index and its shards.
        AtomicFile.Write(Path.Combine(folder, HuggingFaceLayout.IndexFile), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, shardName) in weightMap)
            {
                json.WriteString(name, shardName);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        });
        DeleteStale(folder, keep: shardNames);
    }

    private static List<List<SafetensorsWriter.PlannedTensor>> Pack(
        List<SafetensorsWriter.PlannedTensor> planned, long maxShardBytes)
    {
        var shards = new List<List<SafetensorsWriter.PlannedTensor>> { new() };
        long current = 0;
        foreach (var tensor in planned)
        {
            var size = tensor.ByteLength;
            if (shards[^1].Count > 0 && size > maxShardBytes - current)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(tensor);
            current += size;
        }
        return shards;
    }

    /// <summary>Deletes weights of the layout not just written: the single file or index when sharded, shards not in <paramref name="keep"/>.</summary>
    private static void DeleteStale(string folder, HashSet<string> keep)
    {
        var sharded = keep.Count > 0;
        var stale = Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => HuggingFaceLayout.IsShardFile(name) ? !keep.Contains(name)
                : sharded ? name == HuggingFaceLayout.SingleFile : name == HuggingFaceLayout.IndexFile)
            .ToList();
        foreach (var name in stale)
        {
            File.Delete(Path.Combine(folder, name));
        }
    }
}
