using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Steering.Chat;
using Steering.Tokenization;

namespace Steering.Tests.Tokenization;

/// <summary>
/// <see cref="TextTokenizer.ApplyChatTemplate"/> and <see cref="TextTokenizer.EncodeChat"/> on the Llama 3, Qwen 3 and
/// Gemma 3 tokenizers against Hugging Face's renderer and tokenizer (Data/chat-expected.json, tools/chat-reference.js).
/// </summary>
public sealed class ChatEncodingTests
{
    private static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllBytes(TokenizerData.DataFile(file)));

    public static TheoryData<string, string, bool> Cases()
    {
        using var expected = Load("chat-expected.json");
        var data = new TheoryData<string, string, bool>();
        foreach (var c in expected.RootElement.GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("folder").GetString()!, c.GetProperty("conversation").GetString()!, c.GetProperty("addGenerationPrompt").GetBoolean());
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_and_encodes_as_apply_chat_template(string folder, string conversation, bool addGenerationPrompt)
    {
        using var expected = Load("chat-expected.json");
        var c = expected.RootElement.GetProperty("cases").EnumerateArray().Single(c =>
            c.GetProperty("folder").GetString() == folder && c.GetProperty("conversation").GetString() == conversation
            && c.GetProperty("addGenerationPrompt").GetBoolean() == addGenerationPrompt);
        using var conversations = JsonDocument.Parse(File.ReadAllBytes(TokenizerData.DataFile("tools/chat-conversations.json")));
        var messages = ChatMessagesFile.Parse(Encoding.UTF8.GetBytes(conversations.RootElement.GetProperty(conversation).GetRawText()), conversation);
        var tokenizer = TextTokenizer.Load(TokenizerData.Folder(folder));

        Assert.Equal(c.GetProperty("text").GetString(), tokenizer.ApplyChatTemplate(messages, addGenerationPrompt));
        Assert.Equal(c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()), tokenizer.EncodeChat(messages, addGenerationPrompt));
    }

    [Fact]
    public void The_template_writes_bos_once_as_transformers_does()
    {
        // Llama 3's template starts with bos_token; encoding the text with special tokens would add a second one.
        var tokenizer = TextTokenizer.Load(TokenizerData.Folder("llama3-bos"));
        var ids = tokenizer.EncodeChat([ChatMessage.User("Hello, who are you?")]);
        Assert.Equal(128000, ids[0]);
        Assert.Equal(1, ids.Count(id => id == 128000));
    }

    [Fact]
    public void The_context_carries_the_special_tokens_the_files_name()
    {
        var gemma = TextTokenizer.Load(TokenizerData.Folder("gemma3")).ChatContext;
        Assert.Equal(("<bos>", "<end_of_turn>"), (gemma.BosToken, gemma.EosToken));
        Assert.Equal(new Dictionary<string, string> { ["unk_token"] = "<unk>", ["pad_token"] = "<pad>" },
            gemma.Variables.ToDictionary(p => p.Key, p => p.Value.GetString()!));
        var qwen = TextTokenizer.Load(TokenizerData.Folder("qwen3")).ChatContext;
        Assert.Null(qwen.BosToken); // Qwen names no BOS: the template sees bos_token undefined
    }
}
