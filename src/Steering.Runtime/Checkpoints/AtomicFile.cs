using System;
using System.IO;

namespace Steering.Checkpoints;

/// <summary>Writes a file through a temporary sibling and a rename, so that readers see the old file or the whole new one.</summary>
public static class AtomicFile
{
    /// <summary>Creates <paramref name="path"/> (replacing any file there) with what <paramref name="write"/> puts in the stream.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        // Same folder as the target: a rename within one file system is atomic, across file systems it is a copy.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                // Flushed to disk before the rename, or a crash could leave a complete-looking name over partial data.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one worth reporting; a stray temporary file is harmless.
        }
    }
}
