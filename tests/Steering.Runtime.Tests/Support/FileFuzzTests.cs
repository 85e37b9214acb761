using System;
using System.IO;
using System.Linq;
using System.Threading;
using CsCheck;
using Steering.Checkpoints;
using static TorchSharp.torch;

namespace Steering.Tests.Support;

/// <summary>
/// The harness of the file-format fuzz tests: files made from a valid one are written, opened and every tensor loaded;
/// success and <see cref="CheckpointException"/> are the only outcomes allowed — no other exception, no crash, no
/// runaway allocation.
/// </summary>
public abstract class FileFuzzTests : IDisposable
{
    /// <summary>Enough to reach every validation branch many times, few enough that a class runs in seconds.</summary>
    protected const int Iterations = 1500;

    private long _opened;
    private long _loaded;

    protected TempDirectory Temp { get; } = new();

    /// <summary>Files that opened.</summary>
    protected long Opened => Interlocked.Read(ref _opened);

    /// <summary>Tensors that loaded.</summary>
    protected long Loaded => Interlocked.Read(ref _loaded);

    /// <summary>The file name extension of the format.</summary>
    protected abstract string Extension { get; }

    /// <summary>Opens <paramref name="path"/> and loads every tensor, calling <see cref="CountLoaded"/> for each that loads.</summary>
    protected abstract void OpenAndLoadAll(string path);

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }

    protected void CountLoaded() => Interlocked.Increment(ref _loaded);

    protected void Run(Gen<byte[]> files) => files.Sample(Check, iter: Iterations, print: bytes => Convert.ToHexString(bytes));

    /// <summary>Up to <paramref name="maxEdits"/> bytes of <paramref name="valid"/> replaced, at positions before <paramref name="end"/>.</summary>
    protected static Gen<byte[]> ByteEdits(byte[] valid, int end, int maxEdits) =>
        Gen.Select(Gen.Int[0, end - 1], Gen.Byte).Array[1, maxEdits].Select(edits =>
        {
            var bytes = (byte[])valid.Clone();
            foreach (var (position, value) in edits) bytes[position] = value;
            return bytes;
        });

    /// <summary><paramref name="valid"/> cut short anywhere, or with random bytes appended.</summary>
    protected static Gen<byte[]> TruncationsAndExtensions(byte[] valid) =>
        Gen.OneOf(
            Gen.Int[0, valid.Length - 1].Select(length => valid[..length]),
            Gen.Byte.Array[1, 64].Select(extra => valid.Concat(extra).ToArray()));

    protected void Check(byte[] bytes)
    {
        var path = Temp.File(Guid.NewGuid().ToString("N") + Extension);
        File.WriteAllBytes(path, bytes);
        try
        {
            using var scope = NewDisposeScope();
            OpenAndLoadAll(path);
            Interlocked.Increment(ref _opened);
        }
        catch (CheckpointException)
        {
            // Rejected with a proper error: the outcome this property allows besides success.
        }
        finally
        {
            File.Delete(path);
        }
    }
}
