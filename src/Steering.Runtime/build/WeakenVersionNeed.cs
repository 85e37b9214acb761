// An MSBuild task (compiled by RoslynCodeTaskFactory, see Steering.targets next to this file).
//
// Why: TorchSharp's native glue libLibTorchSharp.so is built with GCC 13 and lists GLIBCXX_3.4.32 as a needed
// symbol version. Debian 12 / Ubuntu 22.04 ship libstdc++ with 3.4.30, so glibc refuses to load the library and
// TorchSharp reports a misleading "no reference to libtorch-cpu-linux-x64". The only symbol bound to that version
// (_ZSt21ios_base_library_initv) is never relocated, so marking the version requirement weak (VER_FLG_WEAK) in
// the .gnu.version_r section is enough for glibc to load it. We patch the copy in the output folder only, through
// a temporary file, because output files may be hard links into the NuGet cache.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The ELF shared objects to patch (missing files are skipped).</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The symbol version to make weak, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                if (!TryWeaken(bytes, Version, out var changed))
                {
                    Log.LogWarning("{0}: not a 64-bit little-endian ELF file with a version-need section; left unchanged.", path);
                    continue;
                }
                if (!changed) continue;
                var temp = path + ".weak-tmp";
                File.WriteAllBytes(temp, bytes);
                File.Delete(path); // breaks a hard link into the NuGet cache instead of writing through it
                File.Move(temp, path);
                Log.LogMessage(MessageImportance.Normal, "{0}: marked the {1} requirement weak.", path, Version);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogWarning("{0}: could not patch ({1}).", path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="version"/>.</summary>
    private static bool TryWeaken(byte[] elf, string version, out bool changed)
    {
        changed = false;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 /* ELFCLASS64 */ || elf[5] != 1 /* little endian */)
            return false;

        var sectionTable = (long)BitConverter.ToUInt64(elf, 0x28);
        int sectionSize = BitConverter.ToUInt16(elf, 0x3A), sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionTable + (long)i * sectionSize;
            if (header + 64 > elf.Length) return false;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed) continue;

            var offset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            var link = BitConverter.ToUInt32(elf, (int)header + 0x28);
            var stringsHeader = sectionTable + (long)link * sectionSize;
            var strings = (long)BitConverter.ToUInt64(elf, (int)stringsHeader + 0x18);

            var need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                var aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (var a = 0; a < count; a++)
                {
                    var name = ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (name == version)
                    {
                        var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            var patched = BitConverter.GetBytes((ushort)(flags | VerFlgWeak));
                            elf[aux + 4] = patched[0];
                            elf[aux + 5] = patched[1];
                            changed = true;
                        }
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                var next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
            return true;
        }
        return false;
    }

    private static string ReadString(byte[] bytes, long start)
    {
        var end = start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }
}
