using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Chat;
using Steering.Generation;
using Steering.Tests.Support;
using Steering.Tests.Tokenization;
using static TorchSharp.torch;

namespace Steering.Tests.Generation;

/// <summary>A model whose config names no EOS (Qwen's config classes have no default) stops at its tokenizer's EOS.</summary>
public sealed class TokenizerEosTests
{
    /// <summary>Qwen 3 shaped, no eos_token_id; vocab_size 151936 covers the Qwen 3 tokenizer's ids.</summary>
    private const string Config = """
        { "model_type": "qwen3", "vocab_size": 151936, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
          "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "max_position_embeddings": 64,
          "tie_word_embeddings": false }
        """;

    private const int ImEnd = 151645; // <|im_end|>, Qwen 3's eos_token

    [Fact]
    public void Generation_stops_at_the_tokenizers_eos_when_the_model_files_name_none()
    {
        using var folder = new TempDirectory();
        using (var random = HookedTransformer.CreateRandom(Config, seed: 3))
            random.Save(folder.Path);
        foreach (var file in Directory.GetFiles(TokenizerData.Folder("qwen3"), "tokenizer*.json"))
            File.Copy(file, folder.File(Path.GetFileName(file)));
        using var model = HookedTransformer.Load(folder.Path);
        Assert.Empty(model.SpecialTokens.Eos);
        Assert.Equal(ImEnd, model.Tokenizer.SpecialTokens.Eos!.Id);

        var prompt = model.Tokenizer.EncodeChat([ChatMessage.User("Hello, who are you?")]);
        var first = model.Generate(new IReadOnlyList<int>[] { prompt }, new GenerationOptions { MaxNewTokens = 1, StopTokens = [] })[0].NewIds.Single();
        // Make <|im_end|> the model's first choice: its unembedding row twice that of the token it chose (whose logit is positive).
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var logits = model.Forward(tensor(prompt.Select(id => (long)id).ToArray(), new long[] { 1, prompt.Length }));
            Assert.True(logits[0, -1, first].item<float>() > 0);
            var unembed = model.NamedParameters().Single(p => model.WeightMap.CheckpointName(p.Name) == "lm_head.weight").Parameter;
            unembed[ImEnd].copy_(unembed[first] * 2);
        }
        Assert.Equal(ImEnd, model.Generate(new IReadOnlyList<int>[] { prompt }, new GenerationOptions { MaxNewTokens = 1, StopTokens = [] })[0].NewIds.Single());

        var reply = model.Generate(new IReadOnlyList<int>[] { prompt }, GenerationOptions.Greedy(5))[0];
        Assert.Equal(StopReason.StopToken, reply.StopReason);
        Assert.Empty(reply.NewIds);
    }
}
