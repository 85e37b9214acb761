using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Generation;
using Steering.Tests.Support;

namespace Steering.Cli.Tests;

/// <summary>
/// <c>steer generate --chat</c> and <c>steer info</c> on a tiny random Llama checkpoint carrying the (cut) Llama 3
/// tokenizer: vocab_size 128256 covers its ids; d_model 16 keeps it small (two 8 MB embedding matrices).
/// </summary>
public sealed class ChatGenerateTests : IDisposable
{
    private const string Config = """
        { "model_type": "llama", "vocab_size": 128256, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
          "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
          "rope_theta": 500000.0, "bos_token_id": 128000, "eos_token_id": [128001, 128009], "tie_word_embeddings": false }
        """;

    private readonly TempDirectory _folder = new();
    private readonly string _messages;

    public ChatGenerateTests()
    {
        using (var model = HookedTransformer.CreateRandom(Config, seed: 5))
            model.Save(_folder.Path);
        TokenizerFolders.CopyTo("llama3", _folder.Path);
        _messages = TokenizerFolders.WriteConversation(_folder, "with-system");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Generation_answers_the_rendered_chat_and_stops_at_any_eos_the_files_list()
    {
        int[] prompt;
        int[] free;
        using (var model = HookedTransformer.Load(_folder.Path))
        {
            prompt = model.Tokenizer.EncodeChat(Steering.Chat.ChatMessagesFile.Read(_messages));
            Assert.Equal(TokenizerFolders.ExpectedChat("llama3", "with-system", true).Ids, prompt);
            free = model.Generate(new IReadOnlyList<int>[] { prompt }, new GenerationOptions { MaxNewTokens = 8, StopTokens = [] })[0].NewIds.ToArray();
        }
        // Make a token the model produces (new in its reply, after at least one other) an EOS through the files:
        // generation_config.json lists it beside Llama 3's own two, and generation stops before it.
        var stop = Enumerable.Range(1, free.Length - 1).FirstOrDefault(i => !free.Take(i).Contains(free[i]));
        Assert.True(stop > 0, string.Join(",", free));
        var reply = free.Take(stop).ToArray();
        File.WriteAllText(_folder.File("generation_config.json"),
            $$"""{"bos_token_id": 128000, "eos_token_id": [128001, 128009, {{free[stop]}}]}""");

        var run = Steer.Ok("generate", _folder.Path, "--chat", _messages, "--print-ids", "-n", "8");
        Assert.Equal("ids: " + string.Join(",", reply), run.OutLines.Last());
        using var reloaded = HookedTransformer.Load(_folder.Path);
        Assert.Equal(reloaded.Tokenizer.Decode(reply), run.Out[..run.Out.IndexOf("\nids: ", StringComparison.Ordinal)].TrimEnd('\r'));
    }

    [Fact]
    public void A_chat_without_a_generation_prompt_and_bad_chat_input_are_clear()
    {
        Steer.Ok("generate", _folder.Path, "--chat", _messages, "--no-generation-prompt", "-n", "2");
        Assert.Contains("not several", Steer.Fails("generate", _folder.Path, "--chat", _messages, "--prompt", "Hi"));
        Assert.Contains("--no-generation-prompt goes with --chat", Steer.Fails("generate", _folder.Path, "--prompt", "Hi", "--no-generation-prompt"));
        var missing = _folder.File("missing.json");
        Assert.Contains(missing, Steer.Fails("generate", _folder.Path, "--chat", missing));
    }

    [Fact]
    public void Info_names_the_family_the_tokenizer_kind_and_the_chat_templates()
    {
        var run = Steer.Ok("info", _folder.Path);
        Assert.Equal("llama", run.Field("architecture"));
        Assert.Equal("byte-level BPE (tokenizer.json)", run.Field("tokenizer"));
        Assert.Equal("default", run.Field("chat_templates"));
    }
}
