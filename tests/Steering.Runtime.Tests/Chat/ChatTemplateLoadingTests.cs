using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using Steering.Chat;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tests.Tokenization;
using Steering.Tokenization;

namespace Steering.Tests.Chat;

/// <summary>
/// A tokenizer's chat templates, as transformers loads them: tokenizer_config.json's <c>chat_template</c> (a string or
/// named templates), replaced by chat_template.jinja and additional_chat_templates/NAME.jinja when present; the special
/// tokens the template sees; and the errors for a template that is not there.
/// </summary>
public sealed class ChatTemplateLoadingTests
{
    /// <summary>A copy of the llama2 tokenizer folder (bos &lt;s&gt;, eos &lt;/s&gt;, unk &lt;unk&gt;) with its config edited.</summary>
    private static TempDirectory FolderWith(Action<JsonObject> edit)
    {
        var folder = TokenizerFolderTests.CopyOf("llama2");
        TokenizerFolderTests.Edit(folder.File("tokenizer_config.json"), edit);
        return folder;
    }

    private static JsonArray Named(params (string Name, string Template)[] templates)
    {
        var list = new JsonArray();
        foreach (var (name, template) in templates) list.Add(new JsonObject { ["name"] = name, ["template"] = template });
        return list;
    }

    [Fact]
    public void A_list_of_named_templates_gives_default_or_the_one_asked_for()
    {
        using var folder = FolderWith(config =>
        {
            config["bos_token"] = new JsonObject { ["content"] = "<s>", ["lstrip"] = false };
            config["pad_token"] = "<unk>";
            config["chat_template"] = Named(("default", "D{{ bos_token }}{{ eos_token }}"), ("tool_use", "T{{ 1 + 1 }}"));
        });
        var tokenizer = TextTokenizer.Load(folder.Path);
        Assert.Equal(("<s>", "</s>"), (tokenizer.ChatContext.BosToken, tokenizer.ChatContext.EosToken));
        Assert.Equal("<unk>|<unk>|False", ChatTemplate.Parse("{{ pad_token }}|{{ unk_token }}|{{ mask_token is defined }}").Render([], false, tokenizer.ChatContext));
        Assert.Equal("D<s></s>", tokenizer.ApplyChatTemplate([]));
        var toolUse = tokenizer.GetChatTemplate("tool_use");
        Assert.Equal(("tool_use", "T2"), (toolUse.Name, tokenizer.ApplyChatTemplate([], templateName: "tool_use")));
        Assert.Same(toolUse, tokenizer.GetChatTemplate("tool_use"));
        var e = Assert.Throws<CheckpointException>(() => tokenizer.GetChatTemplate("rag"));
        Assert.Equal($"{folder.Path}: has no chat template named 'rag' (it has 'default', 'tool_use')", e.Message);
    }

    [Fact]
    public void Template_variables_override_the_special_tokens_as_keyword_arguments_do()
    {
        using var folder = FolderWith(config => config["chat_template"] = "{{ unk_token }} {{ enable_thinking }}");
        var tokenizer = TextTokenizer.Load(folder.Path);
        var variables = new System.Collections.Generic.Dictionary<string, JsonElement>
        {
            ["unk_token"] = JsonSerializer.SerializeToElement("?"),
            ["enable_thinking"] = JsonSerializer.SerializeToElement(false),
        };
        Assert.Equal("<unk> ", tokenizer.ApplyChatTemplate([]));
        Assert.Equal("? False", tokenizer.ApplyChatTemplate([], variables: variables));
    }

    [Fact]
    public void A_folder_without_the_template_asked_for_is_an_error_naming_it()
    {
        var none = TextTokenizer.Load(TokenizerData.Folder("llama2"));
        var e = Assert.Throws<CheckpointException>(() => none.GetChatTemplate());
        Assert.Equal($"{TokenizerData.Folder("llama2")}: has no chat template", e.Message);

        using var several = FolderWith(config => config["chat_template"] = Named(("a", "x"), ("b", "y")));
        e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(several.Path).EncodeChat([ChatMessage.User("Hi")]));
        Assert.Equal($"{several.Path}: has several chat templates ('a', 'b') and none named 'default': ask for one by name", e.Message);

        using var single = FolderWith(config => config["chat_template"] = "x");
        e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(single.Path).GetChatTemplate("tool_use"));
        Assert.Equal($"{single.Path}: has no chat template named 'tool_use' (it has 'default')", e.Message);

        Assert.Throws<CheckpointException>(() => TextTokenizer.Gpt2.GetChatTemplate());
    }

    [Theory]
    [InlineData("3")]
    [InlineData("""[{"name": "default"}]""")]
    [InlineData("""[{"name": 1, "template": "x"}]""")]
    public void A_malformed_chat_template_entry_is_an_error_naming_the_file(string value)
    {
        using var folder = FolderWith(config => config["chat_template"] = JsonNode.Parse(value));
        var e = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains(folder.File("tokenizer_config.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains("chat_template", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_names_the_template_folder_and_line()
    {
        using var folder = FolderWith(config => config["chat_template"] = "ok\n{% for m in messages %}");
        var e = Assert.Throws<TemplateException>(() => TextTokenizer.Load(folder.Path).GetChatTemplate());
        Assert.Equal($"chat template 'default' of {folder.Path} line 2, column 4: '{{% for %}}' is never closed with '{{% endfor %}}'", e.Message);
    }

    [Fact]
    public void Template_files_replace_the_configs_templates_as_transformers_does()
    {
        using var folder = FolderWith(config => config["chat_template"] = Named(("default", "D"), ("tool_use", "T{{ 1 + 1 }}")));
        Assert.Equal("T2", TextTokenizer.Load(folder.Path).ApplyChatTemplate([], false, "tool_use"));

        File.WriteAllText(folder.File("chat_template.jinja"), "J{{ messages | length }}\n");
        var jinja = TextTokenizer.Load(folder.Path);
        Assert.Equal("J0", jinja.ApplyChatTemplate([], false));
        Assert.Equal("default", Assert.Single(jinja.ChatTemplates.Keys));

        Directory.CreateDirectory(folder.File("additional_chat_templates"));
        File.WriteAllText(Path.Combine(folder.File("additional_chat_templates"), "tool_use.jinja"), "A");
        var both = TextTokenizer.Load(folder.Path);
        Assert.Equal(("J0", "A"), (both.ApplyChatTemplate([], false), both.ApplyChatTemplate([], false, "tool_use")));

        using var saved = new TempDirectory();
        both.SaveTo(saved.Path);
        Assert.True(File.Exists(Path.Combine(saved.Path, "additional_chat_templates", "tool_use.jinja")));
        Assert.Equal(both.ChatTemplates, TextTokenizer.Load(saved.Path).ChatTemplates);
    }

    [Fact]
    public void Templates_chosen_by_name_from_a_set_report_the_origin()
    {
        var templates = new System.Collections.Generic.Dictionary<string, string> { ["default"] = "D", ["rag"] = "R" };
        Assert.Equal("R", ChatTemplate.FromTemplates(templates, "rag", "/models/x").Render([], false));
        Assert.Equal("D", ChatTemplate.FromTemplates(templates, null, "/models/x").Render([], false));
        var bad = Assert.Throws<TemplateException>(() => ChatTemplate.FromTemplates(new System.Collections.Generic.Dictionary<string, string> { ["default"] = "{{" }, null, "/models/x"));
        Assert.StartsWith("chat template 'default' of /models/x line 1, column 1: ", bad.Message, StringComparison.Ordinal);
    }
}
