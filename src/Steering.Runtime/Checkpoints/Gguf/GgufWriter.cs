using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using static TorchSharp.torch;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// Builds a GGUF version 3 file — metadata in the order added, then tensors in the order added, each tensor's data
/// aligned — and writes it atomically (a temporary file, then a rename): a failure leaves no partial file.
/// </summary>
/// <remarks>
/// Tensors are given in PyTorch's shape and written with ggml's dimension order (reversed), as llama.cpp's converter
/// does. They are referenced, not copied, until <see cref="Write"/>, and converted one at a time while writing.
/// </remarks>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<(string Name, Tensor Tensor, GgmlType Type, long ByteLength)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _alignment = GgufFormat.DefaultAlignment;

    /// <summary>The tensor types this writer produces.</summary>
    public static IReadOnlyList<GgmlType> WritableTypes { get; } = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0];

    /// <summary>Adds a metadata entry (a <c>general.alignment</c> entry also sets the alignment the data is written with).</summary>
    /// <exception cref="ArgumentException">An empty, over-long or repeated key, or an alignment that is not a UInt32 power of two.</exception>
    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (Encoding.UTF8.GetByteCount(key) > GgufFormat.MaxKeyBytes)
            throw new ArgumentException($"the GGUF key '{key[..40]}…' is longer than {GgufFormat.MaxKeyBytes} bytes", nameof(key));
        if (key == GgufFormat.AlignmentKey)
        {
            if (value.Value is not uint alignment || alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 1 << 30)
                throw new ArgumentException($"'{GgufFormat.AlignmentKey}' must be a UInt32 power of two", nameof(value));
            _alignment = (int)alignment;
        }
        if (!_keys.Add(key)) throw new ArgumentException($"the GGUF key '{key}' is already set", nameof(key));
        _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Adds a metadata entry whose GGUF type follows the .NET type of <paramref name="value"/> (see <see cref="GgufValue.From"/>).</summary>
    public GgufWriter Add(string key, object value) => Add(key, GgufValue.From(value));

    /// <summary>
    /// Adds a tensor to be stored as <paramref name="type"/> (F32, F16, BF16 or Q8_0). Q8_0 needs rows (the last
    /// PyTorch dimension) that are a multiple of 32.
    /// </summary>
    /// <exception cref="ArgumentException">A bad or repeated name, more than 4 dimensions, a type not written, or rows Q8_0 cannot block.</exception>
    public GgufWriter AddTensor(string name, Tensor tensor, GgmlType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        if (Encoding.UTF8.GetByteCount(name) > GgufFormat.MaxTensorNameBytes)
            throw new ArgumentException($"the tensor name '{name}' is longer than ggml's {GgufFormat.MaxTensorNameBytes} bytes", nameof(name));
        if (!WritableTypes.Contains(type))
            throw new ArgumentException($"tensor '{name}': {type} cannot be written (writable: {string.Join(", ", WritableTypes)})", nameof(type));
        if (tensor.dim() > GgufFormat.MaxDimensions)
            throw new ArgumentException($"tensor '{name}' has {tensor.dim()} dimensions; ggml allows at most {GgufFormat.MaxDimensions}", nameof(tensor));
        if (!tensor.is_floating_point())
            throw new ArgumentException($"tensor '{name}' is {tensor.dtype}; only floating-point tensors are written", nameof(tensor));
        var rowLength = tensor.dim() == 0 ? 1 : tensor.shape[^1];
        if (rowLength % type.BlockSize() != 0)
            throw new ArgumentException($"tensor '{name}' has rows of {rowLength} values; {type} needs a multiple of {type.BlockSize()}", nameof(tensor));
        if (!_names.Add(name)) throw new ArgumentException($"two tensors are named '{name}'", nameof(name));
        _tensors.Add((name, tensor, type, type.ByteLength(tensor.numel())!.Value));
        return this;
    }

    /// <summary>Writes the file, replacing <paramref name="path"/> only once it is complete.</summary>
    /// <exception cref="IOException">The file cannot be written; nothing is left at <paramref name="path"/> that was not there before.</exception>
    public void Write(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafetensorsFile.EnsureLittleEndianHost();
        AtomicFile.Write(path, stream =>
        {
            var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            header.Write(GgufFormat.Magic);
            header.Write(GgufFormat.Version);
            header.Write((ulong)_tensors.Count);
            header.Write((ulong)_metadata.Count);
            foreach (var (key, value) in _metadata)
            {
                WriteString(header, key);
                header.Write((uint)value.Type);
                WriteValue(header, value);
            }

            long offset = 0;
            foreach (var (name, tensor, type, byteLength) in _tensors)
            {
                WriteString(header, name);
                header.Write((uint)tensor.dim());
                foreach (var size in tensor.shape.Reverse()) header.Write((ulong)size);
                header.Write((uint)type);
                header.Write((ulong)offset);
                offset += GgufHeaderReader.Align(byteLength, _alignment);
            }
            header.Flush();
            Pad(stream);

            foreach (var (_, tensor, type, _) in _tensors)
            {
                WriteData(stream, tensor, type);
                Pad(stream);
            }
        });
    }

    private void Pad(Stream stream)
    {
        var padding = GgufHeaderReader.Align(stream.Position, _alignment) - stream.Position;
        for (var i = 0; i < padding; i++) stream.WriteByte(0);
    }

    private static void WriteData(Stream stream, Tensor tensor, GgmlType type)
    {
        using var scope = NewDisposeScope();
        if (type == GgmlType.Q8_0)
        {
            var values = tensor.detach().to(ScalarType.Float32, CPU).contiguous();
            // A row at a time keeps the block buffer small (rows are whole blocks).
            var rowLength = (int)(values.dim() == 0 ? 1 : values.shape[^1]);
            var blocks = new byte[rowLength / Q8_0.BlockSize * Q8_0.BlockBytes];
            var all = values.reshape(-1, rowLength);
            for (long row = 0; row < all.shape[0]; row++)
            {
                using var rowTensor = all[row];
                Q8_0.Quantize(MemoryMarshal.Cast<byte, float>(rowTensor.bytes), blocks);
                stream.Write(blocks);
            }
            return;
        }
        var scalarType = type switch
        {
            GgmlType.F16 => ScalarType.Float16,
            GgmlType.BF16 => ScalarType.BFloat16,
            _ => ScalarType.Float32,
        };
        var stored = tensor.detach().to(scalarType, CPU).contiguous();
        TensorMemory.CopyOut(stored, stream.Write);
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValue value)
    {
        switch (value.Value)
        {
            case byte v: writer.Write(v); break;
            case sbyte v: writer.Write(v); break;
            case ushort v: writer.Write(v); break;
            case short v: writer.Write(v); break;
            case uint v: writer.Write(v); break;
            case int v: writer.Write(v); break;
            case float v: writer.Write(v); break;
            case bool v: writer.Write((byte)(v ? 1 : 0)); break;
            case ulong v: writer.Write(v); break;
            case long v: writer.Write(v); break;
            case double v: writer.Write(v); break;
            case string v: WriteString(writer, v); break;
            case Array array:
                writer.Write((uint)value.ElementType);
                writer.Write((ulong)array.Length);
                WriteElements(writer, array);
                break;
            default: throw new InvalidOperationException($"unexpected GGUF value {value.Value.GetType()}");
        }
    }

    private static void WriteElements(BinaryWriter writer, Array array)
    {
        switch (array)
        {
            case string[] strings:
                foreach (var s in strings) WriteString(writer, s);
                break;
            case bool[] flags:
                foreach (var f in flags) writer.Write((byte)(f ? 1 : 0));
                break;
            case GgufValue[] nested:
                foreach (var item in nested)
                {
                    writer.Write((uint)item.ElementType);
                    writer.Write((ulong)item.Count);
                    WriteElements(writer, (Array)item.Value);
                }
                break;
            case byte[] bytes: writer.Write(bytes); break;
            case sbyte[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case ushort[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case short[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case uint[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case int[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case float[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case ulong[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case long[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            case double[] v: writer.Write(MemoryMarshal.AsBytes(v.AsSpan())); break;
            default: throw new InvalidOperationException($"unexpected GGUF array {array.GetType()}");
        }
    }
}
