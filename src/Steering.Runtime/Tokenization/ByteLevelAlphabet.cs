using System.Text;

namespace Steering.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: the 256 byte values spelled as printable characters, so byte-level BPE
/// vocabularies are plain strings. Printable bytes stand for themselves, the rest map to code points from 256 up.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = Build();

    private static readonly short[] ByteOfChar = Invert(CharOfByte);

    /// <summary>The character that spells <paramref name="b"/>.</summary>
    public static char Char(byte b) => CharOfByte[b];

    /// <summary>The byte <paramref name="c"/> spells, or -1 when <paramref name="c"/> is not in the alphabet.</summary>
    public static int Byte(char c) => c < ByteOfChar.Length ? ByteOfChar[c] : -1;

    /// <summary>The UTF-8 bytes of <paramref name="text"/> spelled in the alphabet.</summary>
    public static string Spell(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var spelled = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) spelled[i] = CharOfByte[bytes[i]];
        return new string(spelled);
    }

    private static char[] Build()
    {
        var chars = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            chars[b] = (char)(printable ? b : next++);
        }
        return chars;
    }

    private static short[] Invert(char[] chars)
    {
        var bytes = new short[512];
        System.Array.Fill(bytes, (short)-1);
        for (var b = 0; b < chars.Length; b++) bytes[chars[b]] = (short)b;
        return bytes;
    }
}
