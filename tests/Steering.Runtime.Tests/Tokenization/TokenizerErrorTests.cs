using System.IO;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tokenization;
using static Steering.Tests.Tokenization.TokenizerFolderTests;

namespace Steering.Tests.Tokenization;

/// <summary>Bad tokenizer files: one clear error naming the file and what is wrong, never a crash.</summary>
public sealed class TokenizerErrorTests
{
    [Fact]
    public void Malformed_json_is_reported_with_its_line()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("tokenizer.json"), "{\n  \"model\": {\n    \"type\": \"BPE\",,\n");
        var error = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("malformed JSON at line 3", error.Message);
    }

    [Theory]
    [InlineData("model", """{"type": "Unigram", "vocab": []}""", "model: model type \"Unigram\" is not supported")]
    [InlineData("normalizer", """{"type": "Precompiled", "precompiled_charsmap": ""}""", "normalizer: normalizer type \"Precompiled\" is not supported")]
    [InlineData("normalizer", """{"type": "NFKC"}""", "normalizer type \"NFKC\" is not supported")]
    [InlineData("pre_tokenizer", """{"type": "BertPreTokenizer"}""", "pre_tokenizer: pre-tokenizer type \"BertPreTokenizer\" is not supported")]
    [InlineData("pre_tokenizer", """{"type": "Sequence", "pretokenizers": [{"type": "Digits"}]}""", "pre_tokenizer.pretokenizers[0]: pre-tokenizer type \"Digits\"")]
    [InlineData("decoder", """{"type": "WordPiece"}""", "decoder: decoder type \"WordPiece\" is not supported")]
    [InlineData("post_processor", """{"type": "RobertaProcessing"}""", "post_processor: post-processor type \"RobertaProcessing\" is not supported")]
    [InlineData("post_processor", """{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<x>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {}}""", "\"<x>\" is not in the template's special_tokens")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}""", "pre_tokenizer.pattern.Regex: not a regular expression")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}""", "split behavior \"Sideways\"")]
    public void An_unsupported_or_broken_component_is_named_with_the_file(string key, string json, string message)
    {
        using var folder = CopyOf("llama2");
        Edit(folder.File("tokenizer.json"), tokenizer => tokenizer[key] = JsonNode.Parse(json));
        var error = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains(folder.File("tokenizer.json"), error.Message);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("0.1")]
    [InlineData("\"x\"")]
    public void Bpe_dropout_is_refused(string dropout)
    {
        using var folder = CopyOf("llama3");
        Edit(folder.File("tokenizer.json"), tokenizer => tokenizer["model"]!["dropout"] = JsonNode.Parse(dropout));
        Assert.Contains("model.dropout: BPE dropout makes tokenization random",
            Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path)).Message);
    }

    [Fact]
    public void A_merge_naming_a_token_the_vocabulary_lacks_is_named()
    {
        using var folder = CopyOf("llama3");
        Edit(folder.File("tokenizer.json"), tokenizer => tokenizer["model"]!["merges"]!.AsArray().Add("Ġ zzzqqq"));
        var error = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains("model.merges[", error.Message);
        Assert.Contains("names \"zzzqqq\", which is not in the vocabulary", error.Message);
    }

    [Fact]
    public void A_special_token_the_vocabulary_lacks_is_named()
    {
        using var folder = CopyOf("llama2");
        Edit(folder.File("tokenizer_config.json"), config => config["eos_token"] = "<|no such token|>");
        var error = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains("tokenizer_config.json", error.Message);
        Assert.Contains("eos_token \"<|no such token|>\" is not in the vocabulary", error.Message);
    }

    [Fact]
    public void A_tokenizer_model_that_is_not_sentencepiece_is_an_error()
    {
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.File("tokenizer.model"), [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        var error = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains("tokenizer.model", error.Message);
    }

    [Fact]
    public void A_merges_file_with_a_bad_line_is_named_with_the_line()
    {
        using var folder = new TempDirectory();
        File.WriteAllText(folder.File("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        File.WriteAllText(folder.File("merges.txt"), "#version: 0.2\na b\na b c\n");
        var error = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains("merges.txt: line 3", error.Message);
    }

    [Fact]
    public void A_missing_folder_is_an_error() =>
        Assert.Contains("no such folder", Assert.Throws<CheckpointException>(() => TextTokenizer.Load("/no/such/tokenizer/folder")).Message);
}
