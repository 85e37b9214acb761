using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Steering.Tests.Support;

namespace Steering.Cli.Tests;

/// <summary>
/// The runtime tests' tokenizer folders (cuts of the published Llama 3, Qwen 3, Llama 2 and Gemma 3 tokenizers) and the
/// ids Hugging Face gives for them (expected.json, chat-expected.json; see that folder's README).
/// </summary>
internal static class TokenizerFolders
{
    public static string Folder(string name) => Path.Combine(DataDirectory(), name);

    /// <summary>Hugging Face's <c>tokenizer(text)</c> ids for a corpus text of a folder.</summary>
    public static int[] ExpectedIds(string folder, string text)
    {
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder(folder), "expected.json")));
        return expected.RootElement.GetProperty("cases").EnumerateArray()
            .Single(c => c.GetProperty("text").GetString() == text).GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
    }

    /// <summary>Hugging Face's <c>apply_chat_template(tokenize=True)</c> text and ids for a conversation of tools/chat-conversations.json.</summary>
    public static (string Text, int[] Ids) ExpectedChat(string folder, string conversation, bool addGenerationPrompt)
    {
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(DataDirectory(), "chat-expected.json")));
        var c = expected.RootElement.GetProperty("cases").EnumerateArray().Single(c =>
            c.GetProperty("folder").GetString() == folder && c.GetProperty("conversation").GetString() == conversation
            && c.GetProperty("addGenerationPrompt").GetBoolean() == addGenerationPrompt);
        return (c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray());
    }

    /// <summary>Writes a conversation of tools/chat-conversations.json as a messages file.</summary>
    public static string WriteConversation(TempDirectory folder, string conversation)
    {
        using var conversations = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(DataDirectory(), "tools", "chat-conversations.json")));
        var path = folder.File(conversation + ".json");
        File.WriteAllText(path, conversations.RootElement.GetProperty(conversation).GetRawText());
        return path;
    }

    /// <summary>Copies a folder's tokenizer files into <paramref name="target"/>, editing tokenizer_config.json when asked.</summary>
    public static void CopyTo(string name, string target, System.Action<JsonObject>? editConfig = null)
    {
        foreach (var file in Directory.GetFiles(Folder(name), "tokenizer*.json"))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        if (editConfig is null) return;
        var config = Path.Combine(target, "tokenizer_config.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        editConfig(json);
        File.WriteAllText(config, json.ToJsonString());
    }

    private static string DataDirectory([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Steering.Runtime.Tests", "Tokenization", "Data");
}
