using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Sae;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

/// <summary><c>steer vector build/train/sae</c> write the one vector file with what the library computes; <c>--add</c> reads it.</summary>
[Collection(TinyModelGroup.Name)]
public sealed class VectorCommandTests(TinyModelFixture tiny)
{
    private string PairsFile()
    {
        var path = tiny.NewFile("pairs.jsonl");
        File.WriteAllLines(path, new[]
        {
            """{"positive": "Love", "negative": "Hate"}""",
            """{"positive": "I love dogs", "negative": "I hate dogs"}""",
            """{"positive": "What a wonderful day", "negative": "What an awful day"}""",
        });
        return path;
    }

    [Fact]
    public void Build_writes_a_vector_per_expanded_hook_point_equal_to_the_librarys()
    {
        var pairs = PairsFile();
        var output = tiny.NewFile("v.safetensors");
        var run = Steer.Ok("vector", "build", tiny.ModelDir, "--pairs", pairs, "--hooks", "blocks.{0..1}.resid_post", "--method", "mean-diff", "--out", output);
        Assert.Equal("3", run.Field("pairs"));

        using var model = tiny.Load();
        using var expected = VectorBuilders.MeanDiff(ContrastPairsFile.Read(pairs)).Build(model, "blocks.0.resid_post", "blocks.1.resid_post");
        using var saved = SteeringVectors.Load(output, model);
        Assert.Equal(new[] { "blocks.0.resid_post", "blocks.1.resid_post" }, saved.Sites);
        Assert.Equal("mean-diff", saved.Method);
        foreach (var site in saved.Sites)
            Assert.True(expected[site].allclose(saved[site], rtol: 0, atol: 1e-6));
        Assert.True(File.Exists(output + ".json"));
    }

    [Theory]
    [InlineData("pca")]
    [InlineData("probe")]
    public void Pca_and_probe_write_unit_vectors(string method)
    {
        var output = tiny.NewFile(method + ".safetensors");
        Steer.Ok("vector", "build", tiny.ModelDir, "--pairs", PairsFile(), "--hooks", "blocks.1.resid_pre", "--method", method, "--out", output);
        using var saved = SteeringVectors.Load(output);
        Assert.Equal(method, saved.Method);
        Assert.Equal(1.0, saved.Single.norm().item<float>(), 4);
    }

    [Fact]
    public void The_old_vector_form_is_build_with_one_pair()
    {
        var output = tiny.NewFile("love.safetensors");
        var run = Steer.Ok("vector", tiny.ModelDir, "--hook", "blocks.1.hook_resid_pre", "--positive", "Love", "--negative", "Hate", "--out", output);
        Assert.Equal("diff", run.Field("method"));
        using var saved = SteeringVector.Load(output);
        Assert.Equal("blocks.1.resid_pre", saved.HookName);
    }

    [Fact]
    public void Train_lowers_the_loss_and_keeps_the_norm_limit()
    {
        var targets = tiny.NewFile("targets.jsonl");
        File.WriteAllText(targets, """{"prompt": "I think dogs are", "target": " wonderful", "contrast": " awful"}""");
        var output = tiny.NewFile("trained.safetensors");
        var run = Steer.Ok("vector", "train", tiny.ModelDir, "--targets", targets, "--hooks", "blocks.1.resid_pre", "--steps", "8", "--learning-rate", "0.1", "--max-norm", "2", "--out", output);
        var losses = run.Field("loss").Split(" -> ").Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses[1] < losses[0], run.Out);
        using var saved = SteeringVectors.Load(output);
        Assert.Equal("gradient", saved.Method);
        Assert.True(saved.Single.norm().item<float>() <= 2 + 1e-4);
    }

    [Fact]
    public void Sae_writes_a_features_decoder_row()
    {
        var folder = tiny.NewFile("sae");
        Directory.CreateDirectory(folder);
        using (var scope = NewDisposeScope())
        {
            var width = tiny.Config.NEmbd;
            SafetensorsWriter.Write(Path.Combine(folder, SparseAutoencoder.WeightsFileName), new Dictionary<string, Tensor>
            {
                ["W_enc"] = ones(width, 3), ["W_dec"] = arange(3 * width, ScalarType.Float32).view(3, width), ["b_enc"] = zeros(3), ["b_dec"] = zeros(width),
            });
            File.WriteAllText(Path.Combine(folder, SparseAutoencoder.ConfigFileName),
                $$"""{"d_in": {{width}}, "d_sae": 3, "hook_name": "blocks.1.hook_resid_pre", "architecture": "standard"}""");
        }
        var output = tiny.NewFile("feature.safetensors");
        Steer.Ok("vector", "sae", folder, "--feature", "2", "--model", tiny.ModelDir, "--out", output);
        using var saved = SteeringVectors.Load(output);
        Assert.Equal(new[] { "blocks.1.resid_pre" }, saved.Sites);
        Assert.Equal("sae", saved.Method);
        Assert.Equal(2 * tiny.Config.NEmbd, saved.Single[0].item<float>());
        Assert.NotNull(saved.ModelIdentity);
    }

    [Fact]
    public void Add_applies_one_site_or_all_sites_of_a_multi_site_file()
    {
        var output = tiny.NewFile("v.safetensors");
        Steer.Ok("vector", "build", tiny.ModelDir, "--pairs", PairsFile(), "--hooks", "blocks.0.resid_post,blocks.1.resid_post", "--out", output);
        var plain = Steer.Ok("generate", tiny.ModelDir, "--prompt", "I think dogs are", "--max-new-tokens", "4", "--greedy", "--print-ids");
        var one = Steer.Ok("generate", tiny.ModelDir, "--prompt", "I think dogs are", "--max-new-tokens", "4", "--greedy", "--print-ids", "--add", $"blocks.1.resid_post={output}*0");
        Assert.Equal(plain.Out, one.Out);
        Steer.Ok("generate", tiny.ModelDir, "--prompt", "I think dogs are", "--max-new-tokens", "4", "--greedy", "--add", $"all={output}*4");
        Assert.Contains("has no vector for 'blocks.0.resid_pre'", Steer.Fails("generate", tiny.ModelDir, "--prompt", "x", "--add", $"blocks.0.resid_pre={output}"));
    }

    [Fact]
    public void Bad_pairs_and_vectors_for_another_model_are_one_line_errors()
    {
        var pairs = tiny.NewFile("bad.jsonl");
        File.WriteAllText(pairs, "{\"positive\": \"a\", \"negative\": \"b\"}\nnot json\n");
        Assert.Contains("line 2", Steer.Fails("vector", "build", tiny.ModelDir, "--pairs", pairs, "--hooks", "blocks.0.resid_post", "--out", tiny.NewFile("x.safetensors")));
        Assert.Contains("'{4..x}'", Steer.Fails("vector", "build", tiny.ModelDir, "--pairs", PairsFile(), "--hooks", "blocks.{4..x}.resid_post", "--out", tiny.NewFile("x.safetensors")));

        var other = tiny.NewFile("other.safetensors");
        using (var scope = NewDisposeScope())
        using (var model = HookedTransformer.CreateRandom("""{"model_type": "gpt2", "vocab_size": 50257, "n_embd": 32, "n_layer": 3, "n_head": 4, "n_positions": 64}""", 1))
        using (var vectors = SteeringVectors.Create(model, new[] { new KeyValuePair<string, Tensor>("blocks.1.resid_post", ones(32)) }))
            vectors.Save(other);
        var error = Steer.Fails("generate", tiny.ModelDir, "--prompt", "x", "--add", $"blocks.1.resid_post={other}");
        Assert.Contains("3 layers", error);
        Assert.Contains("2 layers", error);
    }

    [Theory]
    [InlineData("blocks.{4..6}.resid_post", "blocks.4.resid_post,blocks.5.resid_post,blocks.6.resid_post")]
    [InlineData("blocks.{2..0}.attn_out", "blocks.2.attn_out,blocks.1.attn_out,blocks.0.attn_out")]
    [InlineData("blocks.{1,3}.{attn_out,mlp_out}", "blocks.1.attn_out,blocks.1.mlp_out,blocks.3.attn_out,blocks.3.mlp_out")]
    [InlineData("embed, blocks.0.resid_post ,embed", "embed,blocks.0.resid_post")]
    public void Hook_lists_expand_braces(string text, string expected) =>
        Assert.Equal(expected.Split(','), HookList.Expand(text));

    [Theory]
    [InlineData("blocks.{1..2.resid_post")]
    [InlineData("blocks.1}.resid_post")]
    [InlineData("a,,b")]
    [InlineData("blocks.{1,}.x")]
    public void Malformed_hook_lists_are_errors(string text) =>
        Assert.Throws<SteeringException>(() => HookList.Expand(text));
}
