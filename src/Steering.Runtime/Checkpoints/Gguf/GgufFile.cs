using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// A GGUF file (version 3, the format of llama.cpp models and control vectors), opened read-only: its header —
/// metadata and tensor descriptions — is parsed and checked in full by <see cref="Open"/>; tensors are read on demand by
/// <see cref="Load"/>.
/// </summary>
public sealed class GgufFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Dictionary<string, GgufTensorInfo> _byName;
    private readonly long _dataStart;

    private GgufFile(string path, FileStream stream, GgufHeaderReader.Header header)
    {
        Path = path;
        _stream = stream;
        Version = header.Version;
        Metadata = header.Metadata.AsReadOnly();
        Alignment = header.Alignment;
        Tensors = header.Tensors.AsReadOnly();
        _dataStart = header.DataStart;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The format version (always 3).</summary>
    public uint Version { get; }

    /// <summary>The metadata, by key, in file order.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>The alignment of tensor data (<c>general.alignment</c>, 32 when absent).</summary>
    public int Alignment { get; }

    /// <summary>Every tensor, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The <c>general.architecture</c> string, or null when the file has none.</summary>
    public string? Architecture => Metadata.TryGetValue("general.architecture", out var value) ? value.Value as string : null;

    /// <summary>Opens and validates <paramref name="path"/>. No tensor data is read yet.</summary>
    /// <exception cref="CheckpointException">The file cannot be read, or is not a well-formed GGUF version 3 file.</exception>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafetensorsFile.EnsureLittleEndianHost();
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CheckpointException(path, $"cannot open the file ({e.Message})", e);
        }
        try
        {
            var header = GgufHeaderReader.Read(path, stream, stream.Length);
            return new GgufFile(path, stream, header);
        }
        catch (Exception e)
        {
            stream.Dispose();
            if (e is IOException or UnauthorizedAccessException or NotSupportedException)
                throw new CheckpointException(path, $"cannot read the file ({e.Message})", e);
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The description of tensor <paramref name="name"/>.</summary>
    /// <exception cref="CheckpointException">No such tensor.</exception>
    public GgufTensorInfo GetTensor(string name) =>
        _byName.TryGetValue(name, out var info)
            ? info
            : throw new CheckpointException(Path, $"no tensor named '{name}' (the file holds {SafetensorsFile.DescribeNames(Tensors.Select(t => t.Name), Tensors.Count)})");

    /// <summary>
    /// Reads tensor <paramref name="name"/> into a new CPU tensor in PyTorch's dimension order (the reverse of ggml's):
    /// F32, F16, BF16, F64 and the integer types as stored, Q8_0 dequantized to float32.
    /// </summary>
    /// <exception cref="CheckpointException">No such tensor, a type that cannot be loaded (the other quantized types), or a read error.</exception>
    public Tensor Load(string name)
    {
        ObjectDisposedException.ThrowIf(_stream.SafeFileHandle.IsClosed, this);
        var info = GetTensor(name);
        var start = _dataStart + info.Offset;
        try
        {
            if (info.Type == GgmlType.Q8_0) return LoadQ8_0(info, start);
            var dtype = StoredScalarType(info);
            var tensor = empty(info.Shape, dtype, CPU);
            try
            {
                TensorMemory.Fill(tensor, (chunk, offset) => ReadAt(chunk, start + offset));
                return tensor;
            }
            catch
            {
                tensor.Dispose();
                throw;
            }
        }
        catch (IOException e)
        {
            throw new CheckpointException(Path, $"cannot read tensor '{name}' ({e.Message})", e);
        }
    }

    /// <summary>Closes the file. Tensors already loaded stay valid.</summary>
    public void Dispose() => _stream.Dispose();

    private ScalarType StoredScalarType(GgufTensorInfo info) => info.Type switch
    {
        GgmlType.F32 => ScalarType.Float32,
        GgmlType.F16 => ScalarType.Float16,
        GgmlType.BF16 => ScalarType.BFloat16,
        GgmlType.F64 => ScalarType.Float64,
        GgmlType.I8 => ScalarType.Int8,
        GgmlType.I16 => ScalarType.Int16,
        GgmlType.I32 => ScalarType.Int32,
        GgmlType.I64 => ScalarType.Int64,
        _ => throw new CheckpointException(Path,
            $"tensor '{info.Name}' is {info.Type}, which cannot be loaded (supported: F32, F16, BF16, Q8_0, F64, I8, I16, I32, I64)"),
    };

    private Tensor LoadQ8_0(GgufTensorInfo info, long start)
    {
        var tensor = empty(info.Shape, ScalarType.Float32, CPU);
        try
        {
            // 2^21 values per chunk: a 2 MB read buffer, whatever the tensor's size.
            const long chunkBytes = (1L << 21) * sizeof(float);
            var blocks = new byte[chunkBytes / sizeof(float) / Q8_0.BlockSize * Q8_0.BlockBytes];
            TensorMemory.Fill(tensor, (chunk, offset) =>
            {
                var values = MemoryMarshal.Cast<byte, float>(chunk);
                var source = blocks.AsSpan(0, values.Length / Q8_0.BlockSize * Q8_0.BlockBytes);
                ReadAt(source, start + (offset / sizeof(float) / Q8_0.BlockSize * Q8_0.BlockBytes));
                Q8_0.Dequantize(source, values);
            }, chunkBytes);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private void ReadAt(Span<byte> destination, long fileOffset)
    {
        SafeFileHandle handle = _stream.SafeFileHandle;
        while (destination.Length > 0)
        {
            var read = RandomAccess.Read(handle, destination, fileOffset);
            if (read == 0) throw new CheckpointException(Path, $"the file ended at offset {fileOffset} while reading tensor data; it was truncated after opening");
            destination = destination[read..];
            fileOffset += read;
        }
    }
}
