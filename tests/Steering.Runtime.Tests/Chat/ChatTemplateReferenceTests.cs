using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Steering.Chat;
using Steering.Tests.Support;

namespace Steering.Tests.Chat;

/// <summary>
/// Real chat templates (Llama 2/3/3.2/3.3, Mistral v0.1/v0.3, Qwen 2.5/3, Gemma 2/3) rendered over real conversations,
/// against what Hugging Face's reference renderer (@huggingface/jinja) produced for the same inputs
/// (Chat/Templates/reference-renders.json, made by Chat/Templates/tools/render-reference.js).
/// </summary>
public sealed class ChatTemplateReferenceTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Chat", "Templates");
    private static readonly Lazy<JsonDocument> Reference = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "reference-renders.json"))));

    /// <summary>The instant the reference renders pinned strftime_now to: 05 Mar 2025 14:30 UTC.</summary>
    private static readonly FixedClock Clock = new(new DateTimeOffset(2025, 3, 5, 14, 30, 0, TimeSpan.Zero));

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in Reference.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            var variables = string.Join(",", c.GetProperty("variables").EnumerateObject().Select(p => p.Name));
            data.Add(i++, $"{c.GetProperty("model").GetString()} {c.GetProperty("conversation").GetString()} gen={c.GetProperty("addGenerationPrompt").GetBoolean()} {variables}");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_as_the_reference_renderer(int index, string description)
    {
        var c = Reference.Value.RootElement.GetProperty("cases")[index];
        var folder = Path.Combine(Folder, c.GetProperty("model").GetString()!);
        var (template, tokens) = TemplateRendering.FromConfig(Path.Combine(folder, "tokenizer_config.json"));
        var context = new ChatTemplateContext
        {
            BosToken = tokens.BosToken,
            EosToken = tokens.EosToken,
            Variables = c.GetProperty("variables").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            Clock = c.GetProperty("clock").GetBoolean() ? Clock : new FixedClock(DateTimeOffset.UnixEpoch),
        };
        var conversation = Reference.Value.RootElement.GetProperty("conversations").GetProperty(c.GetProperty("conversation").GetString()!);
        var messages = ChatMessagesFile.Parse(Encoding.UTF8.GetBytes(conversation.GetRawText()), description);
        var addGenerationPrompt = c.GetProperty("addGenerationPrompt").GetBoolean();

        if (c.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<TemplateException>(() => template.Render(messages, addGenerationPrompt, context));
            Assert.True(e.RaisedByTemplate, e.Message);
            Assert.Equal(error.GetString(), e.Problem);
            Assert.StartsWith(error.GetString()!, e.Message, StringComparison.Ordinal);
        }
        else
            Assert.Equal(c.GetProperty("expected").GetString(), template.Render(messages, addGenerationPrompt, context));
    }

    [Fact]
    public void Every_template_folder_has_reference_cases()
    {
        var covered = Reference.Value.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("model").GetString()).ToHashSet();
        var folders = Directory.GetDirectories(Folder).Select(Path.GetFileName).Where(name => name != "tools");
        Assert.All(folders, folder => Assert.Contains(folder, covered));
        Assert.Equal(10, covered.Count);
    }

    /// <summary>
    /// Outputs of Python transformers' apply_chat_template (quoted with their templates in mistral.rs's chat-template
    /// tests): the same templates as ours, a second independent reference.
    /// </summary>
    [Theory]
    [InlineData("llama-2-chat", true, "<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you [/INST] I am an assistant </s><s>[INST] Another question [/INST]")]
    [InlineData("mistral-v0.1", false, "<s>[INST] Hello [/INST]Hi there</s> [INST] Who are you [/INST]   I am an assistant   </s> [INST] Another question [/INST]")]
    [InlineData("gemma-2", false, "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n")]
    public void Renders_as_python_transformers(string model, bool withSystem, string expected)
    {
        var config = Path.Combine(Folder, model, "tokenizer_config.json");
        var messages = new List<ChatMessage>
        {
            ChatMessage.User("Hello"), ChatMessage.Assistant("Hi there"), ChatMessage.User("Who are you"),
            ChatMessage.Assistant("   I am an assistant   "), ChatMessage.User("Another question"),
        };
        if (withSystem)
            messages.Insert(0, ChatMessage.System("You are a helpful assistant"));
        var (template, tokens) = TemplateRendering.FromConfig(config);
        Assert.Equal(expected, template.Render(messages, addGenerationPrompt: true, tokens));
    }

    [Fact]
    public void Llama_3_2_reads_the_date_from_the_clock_in_local_time()
    {
        var config = Path.Combine(Folder, "llama-3.2", "tokenizer_config.json");
        var context = new ChatTemplateContext { BosToken = "<|begin_of_text|>", Clock = new FixedClock(new DateTimeOffset(2024, 12, 31, 23, 59, 0, TimeSpan.Zero)) };
        var text = TemplateRendering.FromConfig(config).Template.Render([ChatMessage.User("Hi")], true, context);
        Assert.Contains("Today Date: 31 Dec 2024\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Strftime_now_formats_as_python_strftime()
    {
        // Python: datetime(2025, 3, 5, 14, 30, 7).strftime(the same format)
        var context = new ChatTemplateContext { Clock = new FixedClock(new DateTimeOffset(2025, 3, 5, 14, 30, 7, TimeSpan.Zero)) };
        var text = ChatTemplate.Parse("{{ strftime_now('%-d %B %Y %H:%M:%S %p %I %j %a %A %b %m %y %e %F %T %D %w %%') }}").Render([], false, context);
        Assert.Equal("5 March 2025 14:30:07 PM 02 064 Wed Wednesday Mar 03 25  5 2025-03-05 14:30:07 03/05/25 3 %", text);
    }
}
