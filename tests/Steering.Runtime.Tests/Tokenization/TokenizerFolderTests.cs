using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Tests.Support;
using Steering.Tokenization;

namespace Steering.Tests.Tokenization;

/// <summary>What a folder's files say beside the ids: kinds, special tokens, chat templates, transformers' BOS/EOS flags, saving.</summary>
public sealed class TokenizerFolderTests
{
    [Theory]
    [InlineData("llama3", "byte-level BPE (tokenizer.json)")]
    [InlineData("qwen3", "byte-level BPE (tokenizer.json)")]
    [InlineData("llama2", "SentencePiece BPE (tokenizer.json)")]
    [InlineData("llama2-metaspace-first", "SentencePiece BPE (tokenizer.json)")]
    [InlineData("gemma3", "SentencePiece BPE (tokenizer.json)")]
    public void The_kind_names_the_algorithm_and_the_file(string folder, string kind) =>
        Assert.Equal(kind, TextTokenizer.Load(TokenizerData.Folder(folder)).Kind);

    [Fact]
    public void Special_tokens_are_those_tokenizer_config_names_with_their_ids()
    {
        // Texts from each tokenizer_config.json; ids as Hugging Face's token_to_id gives them.
        var llama3 = TextTokenizer.Load(TokenizerData.Folder("llama3")).SpecialTokens;
        Assert.Equal(new SpecialToken("<|begin_of_text|>", 128000), llama3.Bos);
        Assert.Equal(new SpecialToken("<|end_of_text|>", 128001), llama3.Eos);
        Assert.Null(llama3.Pad);

        var qwen3 = TextTokenizer.Load(TokenizerData.Folder("qwen3")).SpecialTokens;
        Assert.Null(qwen3.Bos);
        Assert.Equal(new SpecialToken("<|im_end|>", 151645), qwen3.Eos);
        Assert.Equal(new SpecialToken("<|endoftext|>", 151643), qwen3.Pad);
        Assert.Null(qwen3.Unk);

        var llama2 = TextTokenizer.Load(TokenizerData.Folder("llama2")).SpecialTokens;
        Assert.Equal(new SpecialTokens(new("<s>", 1), new("</s>", 2), null, new("<unk>", 0)), llama2);

        var gemma3 = TextTokenizer.Load(TokenizerData.Folder("gemma3")).SpecialTokens;
        Assert.Equal(new SpecialTokens(new("<bos>", 2), new("<end_of_turn>", 106), new("<pad>", 0), new("<unk>", 3)), gemma3);
    }

    [Fact]
    public void Special_tokens_may_be_added_token_objects_and_special_tokens_map_fills_gaps()
    {
        using var folder = CopyOf("llama2");
        Edit(folder.File("tokenizer_config.json"), config =>
        {
            config["bos_token"] = new JsonObject { ["__type"] = "AddedToken", ["content"] = "<s>", ["lstrip"] = false };
            config.Remove("eos_token");
        });
        File.WriteAllText(folder.File("special_tokens_map.json"), """{"eos_token": {"content": "</s>"}, "pad_token": "<unk>"}""");
        var specials = TextTokenizer.Load(folder.Path).SpecialTokens;
        Assert.Equal(new SpecialToken("<s>", 1), specials.Bos);
        Assert.Equal(new SpecialToken("</s>", 2), specials.Eos);
        Assert.Equal(new SpecialToken("<unk>", 0), specials.Pad);
    }

    [Fact]
    public void Chat_templates_are_exposed_raw_by_name()
    {
        var llama3 = TextTokenizer.Load(TokenizerData.Folder("llama3"));
        Assert.Equal("default", Assert.Single(llama3.ChatTemplates.Keys));
        Assert.StartsWith("{% set loop_messages = messages %}", llama3.ChatTemplates["default"], System.StringComparison.Ordinal);
        Assert.Empty(TextTokenizer.Load(TokenizerData.Folder("llama2")).ChatTemplates);

        using var folder = CopyOf("llama2");
        Edit(folder.File("tokenizer_config.json"), config => config["chat_template"] = new JsonArray(
            new JsonObject { ["name"] = "default", ["template"] = "{{ messages }}" },
            new JsonObject { ["name"] = "tool_use", ["template"] = "{{ tools }}" }));
        var named = TextTokenizer.Load(folder.Path).ChatTemplates;
        Assert.Equal("{{ messages }}", named["default"]);
        Assert.Equal("{{ tools }}", named["tool_use"]);

        // transformers: template files, when present, replace the config's templates (its tool_use included).
        File.WriteAllText(folder.File("chat_template.jinja"), "{{ from_file }}");
        Assert.Equal("{{ from_file }}", Assert.Single(TextTokenizer.Load(folder.Path).ChatTemplates).Value);
    }

    [Fact]
    public void Llama_and_gemma_configs_add_bos_and_eos_as_add_bos_token_and_add_eos_token_say()
    {
        // transformers' LlamaTokenizerFast/GemmaTokenizerFast rebuild the post-processor from these two flags.
        var plain = TextTokenizer.Load(TokenizerData.Folder("llama2")).Encode("Hello world", addSpecialTokens: false);
        Assert.Equal(new[] { 22557, 1526 }, plain); // Hugging Face's ids (expected.json)
        using var folder = CopyOf("llama2");
        Edit(folder.File("tokenizer_config.json"), config => config["add_eos_token"] = true);
        Assert.Equal(new[] { 1, 22557, 1526, 2 }, TextTokenizer.Load(folder.Path).Encode("Hello world"));
        Edit(folder.File("tokenizer_config.json"), config => config["add_bos_token"] = false);
        Assert.Equal(new[] { 22557, 1526, 2 }, TextTokenizer.Load(folder.Path).Encode("Hello world"));
        Assert.Equal(plain, TextTokenizer.Load(folder.Path).Encode("Hello world", addSpecialTokens: false));
    }

    [Fact]
    public void Save_copies_the_files_it_was_read_from_and_the_copy_tokenizes_the_same()
    {
        var tokenizer = TextTokenizer.Load(TokenizerData.Folder("qwen3"));
        using var saved = new TempDirectory();
        tokenizer.SaveTo(saved.Path);
        Assert.Equal(new[] { "tokenizer.json", "tokenizer_config.json" }, Directory.GetFiles(saved.Path).Select(Path.GetFileName).Order());
        var copy = TextTokenizer.Load(saved.Path);
        const string text = "<|im_start|>user\nnaïve café 1234<|im_end|>";
        Assert.Equal(tokenizer.Encode(text), copy.Encode(text));
        Assert.Equal(tokenizer.ChatTemplates, copy.ChatTemplates);
    }

    [Fact]
    public void Token_lookups_cover_the_vocabulary_and_the_added_tokens()
    {
        var tokenizer = TextTokenizer.Load(TokenizerData.Folder("llama3"));
        Assert.Equal(128009, tokenizer.TokenToId("<|eot_id|>"));
        Assert.Equal("<|eot_id|>", tokenizer.IdToToken(128009));
        Assert.Equal(9906, tokenizer.TokenToId("Hello"));
        Assert.Null(tokenizer.TokenToId("not a token at all"));
        Assert.Null(tokenizer.IdToToken(-1));
    }

    internal static TempDirectory CopyOf(string name)
    {
        var folder = new TempDirectory();
        foreach (var file in Directory.GetFiles(TokenizerData.Folder(name), "tokenizer*.json"))
            File.Copy(file, folder.File(Path.GetFileName(file)));
        return folder;
    }

    internal static void Edit(string file, System.Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, json.ToJsonString());
    }
}
