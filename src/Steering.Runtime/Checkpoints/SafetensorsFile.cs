using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Checkpoints;

/// <summary>
/// A safetensors file, opened read-only: its header is parsed and checked in full by <see cref="Open"/>, and each
/// tensor is read from the file into native tensor memory by <see cref="Load"/> or <see cref="LoadInto(string, Tensor)"/>.
/// </summary>
/// <remarks>
/// Format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section, which each
/// entry's <c>data_offsets</c> index. Loads may run concurrently; <see cref="Dispose"/> must not race them.
/// Tensors are read with positioned reads, not through a memory mapping: the file's pages stay in the operating
/// system's page cache instead of the process's resident set (a mapping counts every page it has touched until it is
/// unmapped, which doubled the peak memory of loading a model), and a file truncated by another process while open
/// gives a <see cref="CheckpointException"/> instead of a fatal SIGBUS.
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    private const int LengthPrefixBytes = sizeof(ulong);

    /// <summary>
    /// The most bytes read at a time for a tensor that is converted or moved on its way in: the conversion goes through
    /// a buffer of the stored type this large at most, so loading never holds a second copy of a large tensor.
    /// </summary>
    internal const long StagingBytes = 64L << 20;

    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private readonly long _dataStart;
    private readonly long _dataEnd;
    private readonly Dictionary<ScalarType, Tensor> _mappings = [];
    private bool _disposed;

    private SafetensorsFile(string path, SafeFileHandle file, long dataStart, SafetensorsHeader header)
    {
        Path = path;
        _file = file;
        _dataStart = dataStart;
        _dataEnd = dataStart + header.Entries.Select(e => e.DataEnd).DefaultIfEmpty(0).Max();
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

        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CheckpointException(path, $"cannot open the file ({e.Message})", e);
        }

        try
        {
            var fileLength = RandomAccess.GetLength(file);
            if (fileLength < LengthPrefixBytes)
            {
                throw new CheckpointException(path,
                    $"the file is {fileLength} bytes long, shorter than the {LengthPrefixBytes}-byte header length that starts every safetensors file");
            }

            Span<byte> prefix = stackalloc byte[LengthPrefixBytes];
            ReadExactly(file, path, prefix, 0, "the header length");
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
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
            var json = new byte[(int)headerLength];
            ReadExactly(file, path, json, LengthPrefixBytes, "the header");
            var dataStart = LengthPrefixBytes + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, fileLength - dataStart);

            return new SafetensorsFile(path, file, dataStart, header);
        }
        catch (Exception e)
        {
            file.Dispose();
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
    /// Creates the tensor <paramref name="name"/> from the file's bytes, with its stored type, or converted to
    /// <paramref name="dtype"/> and on <paramref name="device"/> when those are given.
    /// </summary>
    /// <param name="name">The tensor's name in the header.</param>
    /// <param name="dtype">The element type wanted; null keeps the stored type.</param>
    /// <param name="device">Where the tensor should live; null means the CPU.</param>
    /// <returns>A new tensor that owns its memory: it stays valid after this file is disposed.</returns>
    /// <exception cref="CheckpointException">
    /// No such tensor, a stored type TorchSharp cannot hold, a BOOL tensor with bytes other than 0 and 1, or a file that
    /// was truncated or became unreadable since it was opened.
    /// </exception>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        var entry = GetEntry(name);
        var tensor = empty(entry.ShapeArray(), dtype ?? StoredType(entry), device ?? CPU);
        try
        {
            LoadInto(name, tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the tensor <paramref name="name"/> into <paramref name="destination"/>, an existing contiguous tensor of the
    /// same shape, converting to its element type and moving to its device on the way. A CPU destination of the stored
    /// type is filled straight from the file; any other goes through a buffer of the stored type of at most 64 MiB, so
    /// no second copy of the tensor is ever made.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another shape or is not contiguous.</exception>
    /// <exception cref="CheckpointException">As for <see cref="Load"/>.</exception>
    public void LoadInto(string name, Tensor destination) => LoadInto(name, destination, StagingBytes);

    /// <summary>
    /// <see cref="LoadInto(string, Tensor)"/> with a staging buffer of at most <paramref name="stagingBytes"/> (tests use
    /// tiny ones), taken from <paramref name="staging"/> when given (and returned to it), else allocated for this tensor.
    /// </summary>
    internal void LoadInto(string name, Tensor destination, long stagingBytes, StagingBuffer? staging = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(destination);
        var entry = GetEntry(name);
        var storedType = StoredType(entry);
        if (!entry.Shape.SequenceEqual(destination.shape))
        {
            throw new ArgumentException(
                $"tensor '{name}' is [{string.Join(", ", entry.Shape)}]; the destination is [{string.Join(", ", destination.shape)}]", nameof(destination));
        }
        if (!destination.is_contiguous())
        {
            throw new ArgumentException("the destination must be contiguous: its storage is filled in order", nameof(destination));
        }

        if (destination.dtype == storedType && destination.device_type == DeviceType.CPU)
        {
            ReadInto(entry, destination, 0);
            return;
        }

        if (entry.ElementCount == 0)
        {
            return;
        }
        var elementSize = entry.DType.ElementSize();
        var chunkElements = Math.Min(entry.ElementCount, Math.Max(1, stagingBytes / elementSize));
        // Chunks of the flattened tensor (one when it fits): views share the destination's storage, so each copy_ lands in place.
        var buffer = staging?.Take(storedType, chunkElements) ?? empty(chunkElements, storedType, CPU);
        try
        {
            using var flat = destination.view(-1);
            for (long start = 0; start < entry.ElementCount; start += chunkElements)
            {
                var count = Math.Min(chunkElements, entry.ElementCount - start);
                using var source = buffer.narrow(0, 0, count);
                using var target = flat.narrow(0, start, count);
                ReadInto(entry, source, start * elementSize);
                target.copy_(source);
            }
        }
        finally
        {
            if (staging is null) buffer.Dispose();
            else staging.Return(buffer);
        }
    }

    /// <summary>
    /// A view of the tensor <paramref name="name"/> in a private, copy-on-write memory mapping of the file, when it is
    /// stored as <paramref name="dtype"/> (a floating-point type) at an offset aligned to its element size; otherwise
    /// null (the caller copies instead). Nothing is read: pages come in from the page cache on first use, and the
    /// mapping lives as long as any view of it (libtorch's storage owns it), so it outlives this file object.
    /// </summary>
    /// <remarks>
    /// A file truncated or rewritten in place while a view of it is in use kills the process with SIGBUS on the next
    /// read of a page past the new end; that is the price of not copying, and why mapping is opt-in
    /// (<see cref="ModelLoadOptions.MemoryMap"/>). Replacing the file by a rename (as Hugging Face's downloads do) is safe:
    /// the mapping keeps the old file's pages. A file already shorter than its header says when the mapping is made is
    /// a <see cref="CheckpointException"/>, as for reads.
    /// </remarks>
    /// <exception cref="CheckpointException">No such tensor, or the file is shorter than its header says.</exception>
    internal Tensor? TryMap(string name, ScalarType dtype)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entry = GetEntry(name);
        var elementSize = entry.DType.ElementSize();
        var offset = _dataStart + entry.DataBegin;
        if (!entry.DType.TryGetScalarType(out var stored) || stored != dtype || !is_floating_point(dtype) || offset % elementSize != 0 || entry.ElementCount == 0)
        {
            return null;
        }
        using var flat = Mapping(dtype, elementSize).narrow(0, offset / elementSize, entry.ElementCount);
        return flat.view(entry.ShapeArray());
    }

    /// <summary>The whole file mapped as a 1-D tensor of <paramref name="dtype"/>, made once per type.</summary>
    private Tensor Mapping(ScalarType dtype, int elementSize)
    {
        lock (_mappings)
        {
            if (_mappings.TryGetValue(dtype, out var mapping)) return mapping;
            var length = RandomAccess.GetLength(_file);
            if (length < _dataEnd)
            {
                throw new CheckpointException(Path,
                    $"the file is {length} bytes long, but its tensors end at byte {_dataEnd}; it was truncated after it was opened");
            }
            try
            {
                mapping = from_file(Path, shared: false, size: length / elementSize, dtype: dtype);
            }
            catch (Exception e) when (e is ExternalException or ArgumentException)
            {
                throw new CheckpointException(Path, $"cannot map the file ({e.Message})", e);
            }
            _mappings.Add(dtype, mapping);
            return mapping;
        }
    }

    /// <summary>Closes the file. Tensors already loaded, and views of its mapping, stay valid.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var mapping in _mappings.Values)
        {
            mapping.Dispose();
        }
        _file.Dispose();
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

    /// <summary>The TorchSharp type of <paramref name="entry"/>'s stored type.</summary>
    private ScalarType StoredType(SafetensorsEntry entry) =>
        entry.DType.TryGetScalarType(out var storedType)
            ? storedType
            : throw new CheckpointException(Path,
                $"tensor '{entry.Name}' is stored as {entry.DType.ToHeaderName()}, which TorchSharp has no type for; convert it to a supported type (F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");

    /// <summary>
    /// Fills the contiguous CPU tensor <paramref name="destination"/> of the stored type with the entry's bytes starting
    /// <paramref name="entryOffset"/> bytes into them, checking BOOL bytes as they arrive.
    /// </summary>
    private void ReadInto(SafetensorsEntry entry, Tensor destination, long entryOffset)
    {
        var fileOffset = _dataStart + entry.DataBegin + entryOffset;
        TensorMemory.Fill(destination, (chunk, offset) =>
        {
            ReadExactly(_file, Path, chunk, fileOffset + offset, $"tensor '{entry.Name}'");
            if (entry.DType == SafetensorsDType.BOOL)
            {
                RejectNonBooleanBytes(entry, chunk, entryOffset + offset);
            }
        });
    }

    /// <summary>Reads exactly <paramref name="buffer"/>'s length from <paramref name="offset"/>, or says what was cut short.</summary>
    private static void ReadExactly(SafeFileHandle file, string path, Span<byte> buffer, long offset, string what)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                var read = RandomAccess.Read(file, buffer, offset);
                if (read == 0)
                {
                    throw new CheckpointException(path,
                        $"the file ends at byte {offset}, before the end of {what}; it was truncated after it was opened");
                }
                buffer = buffer[read..];
                offset += read;
            }
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"cannot read {what} ({e.Message})", e);
        }
    }

    private void RejectNonBooleanBytes(SafetensorsEntry entry, ReadOnlySpan<byte> chunk, long offset)
    {
        // libtorch assumes bool storage holds only 0 and 1; other bytes give undefined results, not errors.
        var bad = chunk.IndexOfAnyExceptInRange((byte)0, (byte)1);
        if (bad >= 0)
        {
            throw new CheckpointException(Path,
                $"tensor '{entry.Name}' is BOOL but element {offset + bad} holds the byte {chunk[bad]}, not 0 or 1");
        }
    }
}
