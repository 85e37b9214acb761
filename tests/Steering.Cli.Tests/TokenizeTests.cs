using System.IO;
using System.Linq;
using Steering.Tests.Support;

namespace Steering.Cli.Tests;

/// <summary><c>steer tokenize</c> against Hugging Face's ids (the tokenizer folders' expected.json and chat-expected.json).</summary>
[Collection(TinyModelGroup.Name)]
public sealed class TokenizeTests(TinyModelFixture tiny)
{
    private static int[] Ids(SteerRun run) => run.OutLines[0].Split(',').Select(int.Parse).ToArray();

    [Theory]
    [InlineData("llama3-bos")] // Llama 3 as meta-llama ships it: <|begin_of_text|> added
    [InlineData("qwen3")] // byte-level BPE without BOS
    [InlineData("gemma3")] // <bos> added by GemmaTokenizerFast's template
    public void A_prompt_gives_the_ids_with_the_special_tokens_the_files_add(string folder)
    {
        var run = Steer.Ok("tokenize", TokenizerFolders.Folder(folder), "--prompt", "Hello world");
        Assert.Equal(TokenizerFolders.ExpectedIds(folder, "Hello world"), Ids(run));
        Assert.Single(run.OutLines);
        Assert.DoesNotContain(' ', run.OutLines[0]);
    }

    [Fact]
    public void A_gpt2_folder_adds_no_special_token()
    {
        // GPT-2's published ids of "Hello world" (Hugging Face's gpt2 tokenizer): no BOS.
        Assert.Equal("15496,995", Steer.Ok("tokenize", tiny.ModelDir, "--prompt", "Hello world").OutLines.Single());
    }

    [Theory]
    [InlineData("llama3", "with-system", true)]
    [InlineData("llama3", "without-system", false)]
    [InlineData("qwen3", "with-system", true)]
    [InlineData("qwen3", "with-system", false)]
    [InlineData("gemma3", "with-system", true)]
    [InlineData("gemma3", "without-system", false)]
    public void A_chat_gives_apply_chat_template_ids(string folder, string conversation, bool addGenerationPrompt)
    {
        using var scratch = new TempDirectory();
        var messages = TokenizerFolders.WriteConversation(scratch, conversation);
        string[] args = ["tokenize", TokenizerFolders.Folder(folder), "--chat", messages];
        var run = Steer.Ok(addGenerationPrompt ? args : [.. args, "--no-generation-prompt"]);
        Assert.Equal(TokenizerFolders.ExpectedChat(folder, conversation, addGenerationPrompt).Ids, Ids(run));
        Assert.Single(run.OutLines);
    }

    [Fact]
    public void Show_prints_the_rendered_text_and_every_token()
    {
        using var scratch = new TempDirectory();
        var messages = TokenizerFolders.WriteConversation(scratch, "without-system");
        var run = Steer.Ok("tokenize", TokenizerFolders.Folder("qwen3"), "--chat", messages, "--show");
        var (text, ids) = TokenizerFolders.ExpectedChat("qwen3", "without-system", true);
        Assert.Equal(ids, Ids(run));
        Assert.Equal(System.Text.Json.JsonSerializer.Deserialize<string>(run.Field("text")), text);
        Assert.Equal(ids.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Field("tokens"));
        var tokenLines = run.OutLines.Skip(3).Select(l => l.Trim().Split("  ", 2)).ToList();
        Assert.Equal(ids, tokenLines.Select(t => int.Parse(t[0])));
        Assert.Equal("\"<|im_start|>\"", tokenLines[0][1].Trim());
        Assert.Equal("\"Ċ\"", tokenLines[2][1].Trim()); // the newline as the byte-level vocabulary spells it
    }

    [Fact]
    public void A_folder_with_only_tokenizer_files_is_enough()
    {
        using var folder = new TempDirectory();
        TokenizerFolders.CopyTo("gemma3", folder.Path);
        Assert.Equal(new[] { "tokenizer.json", "tokenizer_config.json" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order());
        Assert.Equal(TokenizerFolders.ExpectedIds("gemma3", "Hello world"), Ids(Steer.Ok("tokenize", folder.Path, "--prompt", "Hello world")));
    }

    [Fact]
    public void A_malformed_messages_file_names_its_line_and_column()
    {
        using var scratch = new TempDirectory();
        var messages = scratch.File("bad.json");
        File.WriteAllText(messages, "[\n  {\"role\": \"user\",\n   \"content\": \"Hi\" \"extra\"}\n]");
        var error = Steer.Fails("tokenize", TokenizerFolders.Folder("qwen3"), "--chat", messages);
        Assert.StartsWith($"error: {messages} line 3, column ", error);
    }

    [Fact]
    public void A_role_the_template_rejects_is_the_templates_own_message()
    {
        using var scratch = new TempDirectory();
        var messages = scratch.File("twice.json");
        File.WriteAllText(messages, """[{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hi again"}]""");
        var error = Steer.Fails("tokenize", TokenizerFolders.Folder("gemma3"), "--chat", messages);
        Assert.StartsWith("error: Conversation roles must alternate user/assistant/user/assistant/...", error);
    }

    [Fact]
    public void A_folder_without_a_chat_template_says_so()
    {
        using var scratch = new TempDirectory();
        var messages = TokenizerFolders.WriteConversation(scratch, "without-system");
        var folder = TokenizerFolders.Folder("llama2");
        Assert.Equal($"error: {folder}: has no chat template", Steer.Fails("tokenize", folder, "--chat", messages));
    }

    [Fact]
    public void A_construct_the_interpreter_lacks_is_named_with_its_line()
    {
        using var folder = new TempDirectory();
        TokenizerFolders.CopyTo("qwen3", folder.Path, config => config["chat_template"] = "{% for m in messages %}\n{% include 'turn.jinja' %}{% endfor %}");
        var messages = TokenizerFolders.WriteConversation(folder, "without-system");
        var error = Steer.Fails("tokenize", folder.Path, "--chat", messages);
        Assert.Equal($"error: chat template 'default' of {folder.Path} line 2, column 4: '{{% include %}}' is not supported by this template interpreter", error);
    }

    [Theory]
    [InlineData("--no-generation-prompt")]
    [InlineData("--template", "x")]
    public void Chat_options_need_a_chat(params string[] option)
    {
        var error = Steer.Fails(["tokenize", TokenizerFolders.Folder("qwen3"), "--prompt", "Hi", .. option]);
        Assert.Contains("go with --chat", error);
    }

    [Fact]
    public void Neither_or_both_texts_is_an_error()
    {
        Assert.Contains("--prompt \"TEXT\" or --chat", Steer.Fails("tokenize", TokenizerFolders.Folder("qwen3")));
    }
}
