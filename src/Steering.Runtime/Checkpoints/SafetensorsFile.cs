using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>
/// A safetensors file, opened read-only and memory-mapped: its header is parsed and checked in full by
/// <see cref="Open"/>, and each tensor is copied from the mapping into native tensor memory by <see cref="Load"/>.
/// </summary>
/// <remarks>
/// Format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section, which each
/// entry's <c>data_offsets</c> index. Loads may run concurrently; <see cref="Dispose"/> must not race them.
/// The file must not be truncated by another process while open: the operating system reports reads of pages past
/// a mapped file's new end as a fatal fault (SIGBUS), which no reader can catch.
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private const int LengthPrefixBytes = sizeof(ulong);

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private readonly long _dataStart;
    private byte* _base;

    private SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, byte* baseAddress,
        long dataStart, SafetensorsHeader header)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _base = baseAddress;
        _dataStart = dataStart;
        Entries = header.Entries;
        Metadata = header.Metadata;
        _byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when there is none), e.g. <c>{"format": "pt"}</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Opens and validates <paramref name="path"/>. Nothing is loaded yet.</summary>
    /// <exception cref="CheckpointException">The file cannot be read, or is not a well-formed safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndianHost();

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CheckpointException(path, $"cannot open the file ({e.Message})", e);
        }

        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        byte* baseAddress = null;
        try
        {
            var fileLength = stream.Length;
            if (fileLength < LengthPrefixBytes)
            {
                throw new CheckpointException(path,
                    $"the file is {fileLength} bytes long, shorter than the {LengthPrefixBytes}-byte header length that starts every safetensors file");
            }

            mapping = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref baseAddress);
            baseAddress += view.PointerOffset;

            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(baseAddress, LengthPrefixBytes));
            var available = fileLength - LengthPrefixBytes;
            if (headerLength > (ulong)available)
            {
                throw new CheckpointException(path,
                    $"the header length is {headerLength} bytes, but only {available} bytes follow it; the file is truncated or not safetensors");
            }
            if (headerLength > SafetensorsHeader.MaxHeaderLength)
            {
                throw new CheckpointException(path,
                    $"the header length is {headerLength} bytes, more than the {SafetensorsHeader.MaxHeaderLength} allowed; the file is corrupt");
            }

            // The header is small (kilobytes for real models): one managed copy of it is fine, and JsonDocument needs memory it can keep.
            var json = new ReadOnlySpan<byte>(baseAddress + LengthPrefixBytes, (int)headerLength).ToArray();
            var dataStart = LengthPrefixBytes + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, fileLength - dataStart);

            return new SafetensorsFile(path, mapping, view, baseAddress, dataStart, header);
        }
        catch (Exception e)
        {
            if (baseAddress != null)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }
            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            // Not seekable (a pipe or device) or unreadable mid-way: still a problem with this input, reported as such.
            if (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new CheckpointException(path, $"cannot read the file ({e.Message})", e);
            }
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.ContainsKey(name);
    }

    /// <summary>The header entry of the tensor <paramref name="name"/>.</summary>
    /// <exception cref="CheckpointException">The file has no such tensor.</exception>
    public SafetensorsEntry GetEntry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new CheckpointException(Path, $"no tensor named '{name}' (the file holds {DescribeNames(Entries.Select(e => e.Name), Entries.Count)})");
    }

    /// <summary>
    /// Creates the tensor <paramref name="name"/> from the file's bytes, with its stored type, then converts it to
    /// <paramref name="dtype"/> and moves it to <paramref name="device"/> when those are given.
    /// </summary>
    /// <param name="name">The tensor's name in the header.</param>
    /// <param name="dtype">The element type wanted; null keeps the stored type.</param>
    /// <param name="device">Where the tensor should live; null means the CPU.</param>
    /// <returns>A new tensor that owns its memory: it stays valid after this file is disposed.</returns>
    /// <exception cref="CheckpointException">No such tensor, a stored type TorchSharp cannot hold, or a BOOL tensor with bytes other than 0 and 1.</exception>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        var entry = GetEntry(name);
        if (!entry.DType.TryGetScalarType(out var storedType))
        {
            throw new CheckpointException(Path,
                $"tensor '{name}' is stored as {entry.DType.ToHeaderName()}, which TorchSharp has no type for; convert it to a supported type (F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");
        }

        var source = _base + _dataStart + entry.DataBegin;
        if (entry.DType == SafetensorsDType.BOOL)
        {
            RejectNonBooleanBytes(entry, source);
        }

        var tensor = empty(entry.ShapeArray(), storedType, CPU);
        try
        {
            TensorMemory.CopyInto(tensor, (nint)source);
            if ((dtype is null || dtype == storedType) && (device is null || device.type == DeviceType.CPU))
            {
                return tensor;
            }

            // Converting and moving in one call lets libtorch pick the cheaper order and skip a temporary.
            var converted = tensor.to(dtype ?? storedType, device ?? CPU);
            tensor.Dispose();
            return converted;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Unmaps and closes the file. Tensors already loaded stay valid.</summary>
    public void Dispose()
    {
        if (_base == null)
        {
            return;
        }
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    /// <summary>Safetensors is little-endian on disk and the bytes are copied as they are.</summary>
    internal static void EnsureLittleEndianHost()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Safetensors support needs a little-endian machine.");
        }
    }

    /// <summary>A short list of names for error messages: enough to spot a typo, never a wall of text.</summary>
    internal static string DescribeNames(IEnumerable<string> names, int count)
    {
        const int Shown = 8;
        if (count == 0)
        {
            return "no tensors";
        }
        var sample = string.Join(", ", names.Take(Shown).Select(n => $"'{n}'"));
        return count <= Shown ? $"{count}: {sample}" : $"{count}: {sample}, ...";
    }

    private void RejectNonBooleanBytes(SafetensorsEntry entry, byte* source)
    {
        // libtorch assumes bool storage holds only 0 and 1; other bytes give undefined results, not errors.
        for (long offset = 0; offset < entry.ByteLength; offset += int.MaxValue)
        {
            var chunk = new ReadOnlySpan<byte>(source + offset, (int)Math.Min(int.MaxValue, entry.ByteLength - offset));
            var bad = chunk.IndexOfAnyExceptInRange((byte)0, (byte)1);
            if (bad >= 0)
            {
                throw new CheckpointException(Path,
                    $"tensor '{entry.Name}' is BOOL but element {offset + bad} holds the byte {chunk[bad]}, not 0 or 1");
            }
        }
    }
}
