using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Editing;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class GenerateTests(TinyModelFixture tiny)
{
    private static readonly int[] First = { 464, 3290, 389 };
    private static readonly int[] Second = { 40, 892, 286, 257, 1049 };

    private static int[][] PrintedIds(SteerRun run) =>
        run.OutLines.Where(l => l.StartsWith("ids: ", StringComparison.Ordinal))
            .Select(l => l["ids: ".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())
            .ToArray();

    private static int[] Direct(HookedTransformer model, int[] prompt, GenerationOptions options) =>
        model.Generate(new IReadOnlyList<int>[] { prompt }, options)[0].NewIds.ToArray();

    [Fact]
    public void Greedy_ids_are_the_ids_Generate_returns_for_each_prompt_of_a_batch()
    {
        var run = Steer.Ok("generate", tiny.ModelDir, "--ids", "464,3290,389", "--ids", "40, 892, 286, 257, 1049",
            "--greedy", "--print-ids", "--max-new-tokens", "8");

        using var model = tiny.Load();
        var expected = model.Generate(new IReadOnlyList<int>[] { First, Second }, GenerationOptions.Greedy(8));
        var printed = PrintedIds(run);
        Assert.Equal(2, printed.Length);
        Assert.Equal(expected[0].NewIds, printed[0]);
        Assert.Equal(expected[1].NewIds, printed[1]);
        Assert.Contains(model.Tokenizer.Decode(First) + expected[0].Text, run.Out);
    }

    [Fact]
    public void Memory_mapped_weights_generate_the_ids_read_weights_do()
    {
        var read = PrintedIds(Steer.Ok("generate", tiny.ModelDir, "--ids", "464,3290,389", "--greedy", "--print-ids", "--max-new-tokens", "8"));
        var mapped = PrintedIds(Steer.Ok("generate", tiny.ModelDir, "--ids", "464,3290,389", "--greedy", "--print-ids", "--max-new-tokens", "8", "--memory-map"));
        Assert.Single(read);
        Assert.Equal(read[0], mapped[0]);
    }

    [Theory]
    [InlineData("float16", ScalarType.Float16)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    public void Lower_precision_generates_what_the_library_generates_in_that_precision(string name, ScalarType dtype)
    {
        var run = Steer.Ok("generate", tiny.ModelDir, "--ids", "464,3290,389", "--dtype", name, "--print-ids", "-n", "4");
        using var model = HookedTransformer.Load(tiny.ModelDir, new ModelLoadOptions { DType = dtype });
        Assert.Equal(Direct(model, First, GenerationOptions.Greedy(4)), PrintedIds(run).Single());
    }

    [Fact]
    public void A_text_prompt_is_printed_with_its_continuation()
    {
        var run = Steer.Ok("generate", tiny.ModelDir, "--prompt", "I think dogs are", "-n", "5", "--print-ids");
        using var model = tiny.Load();
        var expected = model.Generate(new IReadOnlyList<int>[] { model.Tokenizer.Encode("I think dogs are") }, GenerationOptions.Greedy(5))[0];
        Assert.Equal("I think dogs are" + expected.Text, run.OutLines[0]);
        Assert.Equal(expected.NewIds, PrintedIds(run).Single());
    }

    [Fact]
    public void Sampling_with_the_same_seed_gives_the_same_ids_and_matches_Generate()
    {
        string[] args = { "generate", tiny.ModelDir, "--ids", "464,3290,389", "--temperature", "1.5", "--top-k", "50", "--seed", "7", "--print-ids", "-n", "10" };
        var first = PrintedIds(Steer.Ok(args)).Single();
        var second = PrintedIds(Steer.Ok(args)).Single();
        Assert.Equal(first, second);

        using var model = tiny.Load();
        var options = new GenerationOptions { MaxNewTokens = 10, Sample = true, Temperature = 1.5, TopK = 50, Seed = 7 };
        Assert.Equal(Direct(model, First, options), first);
    }

    [Fact]
    public void Adding_a_zero_vector_changes_nothing_and_a_large_one_changes_the_text()
    {
        var zero = tiny.WriteVector(zeros(tiny.Config.NEmbd));
        var large = tiny.WriteVector(randn(tiny.Config.NEmbd, generator: new TorchSharp.torch.Generator(3)));
        string[] Args(params string[] extra) =>
            new[] { "generate", tiny.ModelDir, "--ids", "464,3290,389", "--print-ids", "-n", "8" }.Concat(extra).ToArray();

        var plain = PrintedIds(Steer.Ok(Args())).Single();
        var withZero = PrintedIds(Steer.Ok(Args("--add", $"blocks.0.resid_pre={zero}"))).Single();
        var withLarge = PrintedIds(Steer.Ok(Args("--add", $"blocks.1.hook_resid_post={large}*50"))).Single();

        Assert.Equal(plain, withZero);
        Assert.NotEqual(plain, withLarge);
    }

    [Fact]
    public void Add_and_ablate_match_the_same_edits_made_through_the_library()
    {
        using var direction = randn(tiny.Config.NEmbd, generator: new TorchSharp.torch.Generator(5));
        var path = tiny.WriteVector(direction);
        var run = Steer.Ok("generate", tiny.ModelDir, "--ids", "464,3290,389", "--print-ids", "-n", "6",
            "--add", $"blocks.0.resid_mid={path}*-20", "--ablate", $"blocks.1.resid_pre={path}");

        using var model = tiny.Load();
        using var scope = model.Hooks.CreateScope().AddVector("blocks.0.resid_mid", direction, -20).Ablate("blocks.1.resid_pre", direction);
        Assert.Equal(Direct(model, First, GenerationOptions.Greedy(6)), PrintedIds(run).Single());
    }
}
