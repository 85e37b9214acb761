using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Steering.Tests.Tokenization;

/// <summary>The tokenizer folders under Data/ and the ids Hugging Face's tokenizer gives for their texts (Data/README.md).</summary>
internal static class TokenizerData
{
    /// <summary>The folders: cuts of published tokenizers and variants of them.</summary>
    public static readonly string[] Names =
    [
        "llama3", "llama3-bos", "qwen3", "qwen3-added-flags", "llama2", "llama2-metaspace-first", "llama2-metaspace-always", "gemma3",
    ];

    public static string Folder(string name) => Path.Combine(DataDirectory(), name);

    /// <summary>A file under Data/ (chat-expected.json, tools/chat-conversations.json).</summary>
    public static string DataFile(string name) => Path.Combine(DataDirectory(), name);

    /// <summary>The expected encodings of a folder's texts.</summary>
    public static IReadOnlyList<ExpectedEncoding> Expected(string name)
    {
        using var stream = File.OpenRead(Path.Combine(Folder(name), "expected.json"));
        var file = JsonSerializer.Deserialize<ExpectedFile>(stream, Options)!;
        return file.Cases;
    }

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    private static string DataDirectory([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Data");

    private sealed record ExpectedFile(string GeneratedBy, List<ExpectedEncoding> Cases);
}

/// <summary>One text as Hugging Face encodes and decodes it.</summary>
internal sealed record ExpectedEncoding(
    string Text, int[] Ids, int[] IdsWithoutSpecialTokens, string[] Tokens, string Decoded, string DecodedSkippingSpecialTokens);
