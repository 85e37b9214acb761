using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Tokenization;

namespace Steering.Tests.Tokenization;

public sealed class TextTokenizerTests
{
    [Theory]
    [InlineData("I think dogs are", new[] { 40, 892, 6844, 389 })]
    [InlineData(" dog", new[] { 3290 })]
    [InlineData("Love", new[] { 18565 })]
    [InlineData("Hate", new[] { 39, 378 })]
    [InlineData(" Love", new[] { 5896 })]
    [InlineData(" Hate", new[] { 28334 })]
    public void The_shipped_gpt2_tokenizer_gives_the_published_ids(string text, int[] ids)
    {
        Assert.Equal(ids, TextTokenizer.Gpt2.Encode(text));
        Assert.Equal(text, TextTokenizer.Gpt2.Decode(ids));
    }

    [Fact]
    public void The_gpt2_files_written_for_a_saved_model_tokenize_exactly_as_gpt2()
    {
        using var folder = new TempDirectory();
        TextTokenizer.Gpt2.SaveTo(folder.Path);
        var files = TextTokenizer.Load(folder.Path);
        Assert.Equal("byte-level BPE (vocab.json + merges.txt)", files.Kind);
        Assert.Equal(new[] { 40, 892, 6844, 389 }, files.Encode("I think dogs are"));
        Assert.Equal(new[] { 39, 378 }, files.Encode("Hate"));
        foreach (var text in new[] { " Love", "naïve café — “quotes” 🙂 1234567 tab\tnewline\n  spaces", "<|endoftext|>" })
            Assert.Equal(TextTokenizer.Gpt2.Encode(text), files.Encode(text));
        Assert.Equal(50001, File.ReadAllLines(folder.File("merges.txt")).Length); // header + 50000 merges, as the hub's file
    }

    [Fact]
    public void A_gpt2_tokenizer_json_tokenizes_as_the_shipped_gpt2_tokenizer()
    {
        // The layout of the hub's gpt2/tokenizer.json, around the vocabulary and merges GPT-2's ranks imply.
        using var folder = new TempDirectory();
        TextTokenizer.Gpt2.SaveTo(folder.Path);
        var vocab = JsonNode.Parse(File.ReadAllText(folder.File("vocab.json")))!;
        var merges = new JsonArray(File.ReadAllLines(folder.File("merges.txt")).Skip(1).Select(line => (JsonNode)line).ToArray());
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 50256, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = true, ["special"] = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel.DeepClone(),
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject { ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["vocab"] = vocab, ["merges"] = merges },
        };
        using var json = new TempDirectory();
        File.WriteAllText(json.File("tokenizer.json"), tokenizer.ToJsonString());
        var loaded = TextTokenizer.Load(json.Path);
        Assert.Equal("byte-level BPE (tokenizer.json)", loaded.Kind);
        Assert.Equal(new[] { 40, 892, 6844, 389 }, loaded.Encode("I think dogs are"));
        foreach (var text in TokenizerData.Expected("llama3").Select(c => c.Text))
        {
            Assert.Equal(TextTokenizer.Gpt2.Encode(text), loaded.Encode(text));
            Assert.Equal(TextTokenizer.Gpt2.Decode(loaded.Encode(text)), loaded.Decode(loaded.Encode(text)));
        }
    }

    [Fact]
    public void Vocab_and_merges_files_are_a_byte_level_bpe()
    {
        using var folder = new TempDirectory();
        // "Ġ" is how GPT-2's byte-level alphabet writes a space. "ab ab" pre-tokenizes to "ab" and " ab"; the merges
        // a+b → ab and Ġ+ab → Ġab make them one token each.
        File.WriteAllText(folder.File("vocab.json"), "{\"a\": 0, \"b\": 1, \"Ġ\": 2, \"ab\": 3, \"Ġab\": 4, \"<|endoftext|>\": 5}");
        File.WriteAllText(folder.File("merges.txt"), "#version: 0.2\na b\nĠ ab\n");
        var tokenizer = TextTokenizer.Load(folder.Path);
        Assert.Equal(new[] { 3, 4 }, tokenizer.Encode("ab ab"));
        Assert.Equal(new[] { 0, 4, 1 }, tokenizer.Encode("a abb"));
        Assert.Equal("ab ab", tokenizer.Decode(new[] { 3, 4 }));
        Assert.Contains("vocab.json", tokenizer.Kind);
    }

    [Fact]
    public void A_folder_without_tokenizer_files_is_an_error_naming_the_files_looked_for_and_so_is_half_a_pair()
    {
        using var folder = new TempDirectory();
        var none = Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path)).Message;
        Assert.Contains("looked for tokenizer.json, tokenizer.model, and vocab.json + merges.txt", none);
        File.WriteAllText(folder.File("vocab.json"), "{}");
        Assert.Contains("not merges.txt", Assert.Throws<CheckpointException>(() => TextTokenizer.Load(folder.Path)).Message);
    }
}
