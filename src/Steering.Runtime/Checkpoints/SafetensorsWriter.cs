using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>Writes tensors to a safetensors file that Hugging Face's readers (and <see cref="SafetensorsFile"/>) accept.</summary>
public static class SafetensorsWriter
{
    /// <summary>Header and data both start on this boundary, so a reader can map tensors in place.</summary>
    internal const int Alignment = 8;

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing it only once the new file is complete.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">Name and tensor pairs; names must be unique. Tensors may live on any device and need not be contiguous.</param>
    /// <param name="metadata">Written as the header's <c>__metadata__</c> when not empty.</param>
    /// <param name="storeAs">
    /// A floating-point type to store floating-point tensors as (e.g. <see cref="ScalarType.BFloat16"/>); integer and
    /// bool tensors keep their type, since converting token ids or masks to floats would corrupt them.
    /// </param>
    /// <remarks>
    /// Tensors are stored in ordinal name order, so equal input gives identical bytes. The JSON header is padded with
    /// spaces to a multiple of 8 bytes, as Hugging Face does, which keeps every tensor's data aligned.
    /// </remarks>
    /// <exception cref="ArgumentException">Duplicate or reserved names, a null tensor, or a type safetensors cannot store.</exception>
    /// <exception cref="IOException">The file cannot be written; any previous file at <paramref name="path"/> is left as it was.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, ScalarType? storeAs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        SafetensorsFile.EnsureLittleEndianHost();

        WritePlanned(path, Plan(tensors, storeAs), metadata);
    }

    /// <summary>Writes tensors already checked and sorted by <see cref="Plan"/>.</summary>
    internal static void WritePlanned(string path, List<PlannedTensor> planned, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = BuildHeader(planned, metadata);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> lengthPrefix = stackalloc byte[sizeof(ulong)];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(lengthPrefix, (ulong)header.Length);
            stream.Write(lengthPrefix);
            stream.Write(header);
            foreach (var tensor in planned)
            {
                // One tensor at a time: converting the whole model up front could double its memory.
                using var inner = NewDisposeScope();
                var stored = tensor.Tensor.to(tensor.ScalarType, CPU).contiguous();
                TensorMemory.CopyOut(stored, stream.Write);
            }
        });
    }

    internal static List<PlannedTensor> Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors, ScalarType? storeAs)
    {
        if (storeAs is { } target && !is_floating_point(target))
        {
            throw new ArgumentException($"storeAs must be a floating-point type, not {target}.", nameof(storeAs));
        }

        var planned = new List<PlannedTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            if (tensor is null)
            {
                throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            }
            if (name == "__metadata__")
            {
                throw new ArgumentException("'__metadata__' is reserved by the safetensors format and cannot name a tensor.", nameof(tensors));
            }
            if (!names.Add(name))
            {
                throw new ArgumentException($"Two tensors are named '{name}'.", nameof(tensors));
            }
            var type = storeAs is { } floating && tensor.is_floating_point() ? floating : tensor.dtype;
            if (!SafetensorsDTypeExtensions.TryFromScalarType(type, out var dtype))
            {
                throw new ArgumentException($"Tensor '{name}' has type {type}, which safetensors cannot store.", nameof(tensors));
            }
            planned.Add(new PlannedTensor(name, tensor, dtype, type, checked(tensor.NumberOfElements * dtype.ElementSize())));
        }
        planned.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return planned;
    }

    private static byte[] BuildHeader(List<PlannedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps non-ASCII names readable; the header is never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Tensor.shape)
                {
                    json.WriteNumberValue(dimension);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = checked(offset + tensor.ByteLength);
            }
            json.WriteEndObject();
        }

        // 8 bytes of length plus a header that is a multiple of 8 put the data section on an 8-byte boundary.
        var padding = (Alignment - (int)(buffer.Length % Alignment)) % Alignment;
        for (var i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    /// <summary>A tensor checked and typed for writing: <paramref name="ByteLength"/> is its size in the file.</summary>
    internal sealed record PlannedTensor(string Name, Tensor Tensor, SafetensorsDType DType, ScalarType ScalarType, long ByteLength);
}
