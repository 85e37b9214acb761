using System.Linq;
using Steering.Checkpoints;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class TraceTests(TinyModelFixture tiny)
{
    [Fact]
    public void Trace_writes_canonically_named_activations_and_logits_of_a_left_padded_batch()
    {
        var output = tiny.NewFile("trace.safetensors");
        Steer.Ok("trace", tiny.ModelDir, "--ids", "464,3290,389", "--ids", "40,892,286,257,1049",
            "--hooks", "blocks.0.hook_resid_post,blocks.1.attn.hook_z", "--out", output);

        using var file = SafetensorsFile.Open(output);
        var c = tiny.Config;
        Assert.Equal(new[] { "attention_mask", "blocks.0.resid_post", "blocks.1.attn.z", "input_ids", "logits" }, file.Entries.Select(e => e.Name).Order().ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, file.Load("attention_mask").data<long>().ToArray());
        Assert.Equal(new long[] { 464, 3290, 389 }, file.Load("input_ids")[0, 2..].data<long>().ToArray());
        Assert.Equal(new long[] { 2, 5, c.NEmbd }, file.GetEntry("blocks.0.resid_post").Shape);
        Assert.Equal(new long[] { 2, 5, c.NHead, c.DHead }, file.GetEntry("blocks.1.attn.z").Shape);
        Assert.Equal(new long[] { 2, 5, c.VocabSize }, file.GetEntry("logits").Shape);

        // The values are the model's: the same left-padded pass through the library gives the same tensors.
        using var model = tiny.Load();
        using var scope = model.Hooks.CreateScope();
        using var cache = scope.Cache("blocks.0.resid_post", "blocks.1.attn.z");
        var (ids, mask) = TokenBatch.LeftPad(new[] { new[] { 464, 3290, 389 }, new[] { 40, 892, 286, 257, 1049 } }, model.SpecialTokens.PaddingId, model.Device);
        using var logits = model.Forward(ids, mask);
        Assert.True(logits.allclose(file.Load("logits"), rtol: 0, atol: 1e-5));
        Assert.True(cache["blocks.0.resid_post"].allclose(file.Load("blocks.0.resid_post"), rtol: 0, atol: 1e-6));
        Assert.True(cache["blocks.1.attn.z"].allclose(file.Load("blocks.1.attn.z"), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Trace_all_saves_every_hook_point()
    {
        var output = tiny.NewFile("all.safetensors");
        var run = Steer.Ok("trace", tiny.ModelDir, "--prompt", "Hello there", "--hooks", "all", "--out", output);
        using var model = tiny.Load();
        using var file = SafetensorsFile.Open(output);
        Assert.Equal(model.Hooks.Select(p => p.Name).Append("logits").Append("input_ids").Append("attention_mask").Order(), file.Entries.Select(e => e.Name).Order());
        Assert.Equal(output, run.Field("wrote"));
    }

    [Fact]
    public void Trace_records_the_steered_activation()
    {
        var vector = tiny.WriteVector(ones(tiny.Config.NEmbd));
        var plain = tiny.NewFile("plain.safetensors");
        var steered = tiny.NewFile("steered.safetensors");
        Steer.Ok("trace", tiny.ModelDir, "--ids", "464,3290", "--hooks", "blocks.0.resid_pre", "--out", plain);
        Steer.Ok("trace", tiny.ModelDir, "--ids", "464,3290", "--hooks", "blocks.0.resid_pre", "--out", steered,
            "--add", $"blocks.0.resid_pre={vector}*2");

        using var before = SafetensorsFile.Open(plain);
        using var after = SafetensorsFile.Open(steered);
        var difference = after.Load("blocks.0.resid_pre") - before.Load("blocks.0.resid_pre");
        Assert.True(difference.allclose(full_like(difference, 2.0), rtol: 0, atol: 1e-5));
    }
}
