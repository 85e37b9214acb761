using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Steering.Tokenization.Unicode;

/// <summary>
/// Unicode canonical normalization (NFD, NFC) from the data in CanonicalNormalization.txt. The runtime's
/// <c>string.Normalize</c> cannot be used: under InvariantGlobalization (this repository's setting) there is no ICU,
/// and it returns the text unchanged.
/// </summary>
internal static class CanonicalNormalization
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;

    private const int VowelCount = 21, TrailCount = 28;

    private static readonly Lazy<Tables> Data = new(Tables.Load);

    /// <summary>Canonical decomposition, canonically ordered.</summary>
    public static string Nfd(string text) => IsAscii(text) ? text : Write(Decompose(text));

    /// <summary>Canonical decomposition followed by canonical composition.</summary>
    public static string Nfc(string text) => IsAscii(text) ? text : Write(Compose(Decompose(text)));

    private static bool IsAscii(string text) => Ascii.IsValid(text);

    private static List<int> Decompose(string text)
    {
        var tables = Data.Value;
        var result = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) Append(rune.Value, result, tables);
        // Canonical ordering: each run of non-starters sorted (stably) by combining class.
        for (var i = 1; i < result.Count; i++)
        {
            var c = result[i];
            var ccc = tables.CombiningClass(c);
            if (ccc == 0) continue;
            var j = i;
            while (j > 0 && tables.CombiningClass(result[j - 1]) > ccc)
            {
                result[j] = result[j - 1];
                j--;
            }
            result[j] = c;
        }
        return result;
    }

    private static void Append(int c, List<int> result, Tables tables)
    {
        if (c is >= HangulBase and < HangulBase + HangulCount)
        {
            var index = c - HangulBase;
            result.Add(LeadBase + index / (VowelCount * TrailCount));
            result.Add(VowelBase + index % (VowelCount * TrailCount) / TrailCount);
            if (index % TrailCount != 0) result.Add(TrailBase + index % TrailCount);
            return;
        }
        if (tables.Decompositions.TryGetValue(c, out var parts))
        {
            foreach (var part in parts) Append(part, result, tables);
            return;
        }
        result.Add(c);
    }

    /// <summary>UAX #15 canonical composition: a character joins the last starter unless something between blocks it.</summary>
    private static List<int> Compose(List<int> decomposed)
    {
        var tables = Data.Value;
        var result = new List<int>(decomposed.Count);
        var starter = -1;
        var lastClass = 0;
        foreach (var c in decomposed)
        {
            var ccc = tables.CombiningClass(c);
            var adjacent = starter == result.Count - 1;
            if (starter >= 0 && (adjacent || (lastClass != 0 && lastClass < ccc)) && TryCompose(result[starter], c, tables, out var composite))
            {
                result[starter] = composite;
                continue;
            }
            if (ccc == 0) starter = result.Count;
            lastClass = ccc;
            result.Add(c);
        }
        return result;
    }

    private static bool TryCompose(int first, int second, Tables tables, out int composite)
    {
        if (first is >= LeadBase and < LeadBase + 19 && second is >= VowelBase and < VowelBase + VowelCount)
        {
            composite = HangulBase + ((first - LeadBase) * VowelCount + (second - VowelBase)) * TrailCount;
            return true;
        }
        if (first is >= HangulBase and < HangulBase + HangulCount && (first - HangulBase) % TrailCount == 0
            && second is > TrailBase and < TrailBase + TrailCount)
        {
            composite = first + (second - TrailBase);
            return true;
        }
        return tables.Composites.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static string Write(List<int> codePoints)
    {
        var builder = new StringBuilder(codePoints.Count);
        foreach (var c in codePoints) builder.Append(char.ConvertFromUtf32(c));
        return builder.ToString();
    }

    private sealed class Tables
    {
        public Dictionary<int, int[]> Decompositions { get; } = new();

        public Dictionary<long, int> Composites { get; } = new();

        private readonly List<(int First, int Last, int Class)> _classes = [];

        public int CombiningClass(int c)
        {
            // Binary search over the sorted, disjoint ranges.
            int low = 0, high = _classes.Count - 1;
            while (low <= high)
            {
                var middle = (low + high) / 2;
                var (first, last, ccc) = _classes[middle];
                if (c < first) high = middle - 1;
                else if (c > last) low = middle + 1;
                else return ccc;
            }
            return 0;
        }

        public static Tables Load()
        {
            var tables = new Tables();
            using var stream = typeof(CanonicalNormalization).Assembly.GetManifestResourceStream("Steering.Tokenization.Unicode.CanonicalNormalization.txt")
                ?? throw new InvalidOperationException("the CanonicalNormalization.txt resource is missing");
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith('#')) continue;
                var fields = line.Split(' ');
                static int Hex(string field) => int.Parse(field, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (fields[0] == "m")
                {
                    tables._classes.Add((Hex(fields[1]), Hex(fields[2]), int.Parse(fields[3], CultureInfo.InvariantCulture)));
                    continue;
                }
                var composes = fields[^1] == "c";
                var parts = new int[fields.Length - 2 - (composes ? 1 : 0)];
                for (var i = 0; i < parts.Length; i++) parts[i] = Hex(fields[i + 2]);
                var code = Hex(fields[1]);
                tables.Decompositions[code] = parts;
                if (composes) tables.Composites[((long)parts[0] << 21) | (uint)parts[1]] = code;
            }
            return tables;
        }
    }
}
