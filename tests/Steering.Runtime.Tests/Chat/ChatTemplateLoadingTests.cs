using System;
using System.IO;
using Steering.Chat;
using Steering.Checkpoints;
using Steering.Tests.Support;

namespace Steering.Tests.Chat;

public sealed class ChatTemplateLoadingTests
{
    private const string NamedTemplates = """
        {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": "<pad>", "unk_token": null,
         "chat_template": [{"name": "default", "template": "D{{ bos_token }}"}, {"name": "tool_use", "template": "T{{ 1 + 1 }}"}]}
        """;

    [Fact]
    public void A_list_of_named_templates_gives_default_or_the_one_asked_for()
    {
        using var folder = new TempDirectory();
        var path = folder.Write("tokenizer_config.json", System.Text.Encoding.UTF8.GetBytes(NamedTemplates));
        var context = ChatTemplateContext.FromTokenizerConfig(path);
        Assert.Equal(("<s>", "</s>"), (context.BosToken, context.EosToken));
        Assert.Equal("<pad>|False", ChatTemplate.Parse("{{ pad_token }}|{{ unk_token is defined }}").Render([], false, context));
        Assert.Equal("D<s>", ChatTemplate.FromTokenizerConfig(path).Render([], true, context));
        var toolUse = ChatTemplate.FromTokenizerConfig(path, "tool_use");
        Assert.Equal(("tool_use", "T2"), (toolUse.Name, toolUse.Render([], true, context)));
        var e = Assert.Throws<CheckpointException>(() => ChatTemplate.FromTokenizerConfig(path, "rag"));
        Assert.Contains("no chat template named 'rag' (it has 'default', 'tool_use')", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"chat_template": [{"name": "a", "template": "x"}]}""", null, "has several chat templates ('a') and none named 'default'")]
    [InlineData("""{"chat_template": "x"}""", "tool_use", "has no chat template named 'tool_use' (it has 'default')")]
    [InlineData("""{"chat_template": []}""", null, "has no chat template")]
    [InlineData("""{"eos_token": "</s>"}""", null, "has no 'chat_template'")]
    [InlineData("""{"chat_template": 3}""", null, "'chat_template' must be a string or a list")]
    [InlineData("""{"chat_template": [{"name": "default"}]}""", null, "every entry of 'chat_template' must be")]
    [InlineData("""{"chat_template": "x",""", null, "not valid JSON")]
    [InlineData("""[]""", null, "expected a JSON object")]
    public void Configs_without_the_template_asked_for_are_errors_naming_the_file(string json, string? name, string problem)
    {
        using var folder = new TempDirectory();
        var path = folder.Write("tokenizer_config.json", System.Text.Encoding.UTF8.GetBytes(json));
        var e = Assert.Throws<CheckpointException>(() => ChatTemplate.FromTokenizerConfig(path, name));
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_in_a_config_names_the_file_and_line()
    {
        using var folder = new TempDirectory();
        var path = folder.Write("tokenizer_config.json", System.Text.Encoding.UTF8.GetBytes("""{"chat_template": "ok\n{% for m in messages %}"}"""));
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.FromTokenizerConfig(path));
        Assert.Equal($"chat template 'default' of {path} line 2, column 4: '{{% for %}}' is never closed with '{{% endfor %}}'", e.Message);
    }

    [Fact]
    public void A_folder_prefers_chat_template_jinja_as_transformers_does()
    {
        using var folder = new TempDirectory();
        folder.Write("tokenizer_config.json", System.Text.Encoding.UTF8.GetBytes(NamedTemplates));
        Assert.Equal("T2", ChatTemplate.FromFolder(folder.Path, "tool_use").Render([], false));
        folder.Write("chat_template.jinja", System.Text.Encoding.UTF8.GetBytes("J{{ messages | length }}\n"));
        Assert.Equal("J0", ChatTemplate.FromFolder(folder.Path).Render([], false));
        Directory.CreateDirectory(folder.File("additional_chat_templates"));
        folder.Write(Path.Combine("additional_chat_templates", "tool_use.jinja"), System.Text.Encoding.UTF8.GetBytes("A"));
        Assert.Equal("A", ChatTemplate.FromFolder(folder.Path, "tool_use").Render([], false));
    }

    [Fact]
    public void Templates_a_tokenizer_read_are_chosen_by_name()
    {
        var templates = new System.Collections.Generic.Dictionary<string, string> { ["default"] = "D", ["rag"] = "R" };
        Assert.Equal("R", ChatTemplate.FromTemplates(templates, "rag", "/models/x").Render([], false));
        Assert.Equal("D", ChatTemplate.FromTemplates(templates, null, "/models/x").Render([], false));
        var e = Assert.Throws<CheckpointException>(() => ChatTemplate.FromTemplates(templates, "tools", "/models/x"));
        Assert.Equal("/models/x: has no chat template named 'tools' (it has 'default', 'rag')", e.Message);
        var bad = Assert.Throws<TemplateException>(() => ChatTemplate.FromTemplates(new System.Collections.Generic.Dictionary<string, string> { ["default"] = "{{" }, null, "/models/x"));
        Assert.StartsWith("chat template 'default' of /models/x line 1, column 1: ", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"), "tokenizer_config.json");
        Assert.Contains("file not found", Assert.Throws<CheckpointException>(() => ChatTemplate.FromTokenizerConfig(path)).Message, StringComparison.Ordinal);
    }
}
