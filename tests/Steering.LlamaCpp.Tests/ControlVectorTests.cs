using System.Collections.Generic;
using Steering.Checkpoints.Gguf;
using Steering.Editing;
using Steering.Export;
using Steering.Vectors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// Our control-vector file, applied in llama.cpp through llama_set_adapter_cvec, steers as our model steered at
/// blocks.N.resid_post does; a folded GGUF steers the same way with no control vector at all.
/// </summary>
[Collection(TinyGpt2Group.Name)]
public sealed class ControlVectorTests(TinyGpt2Model tiny, ITestOutputHelper output)
{
    /// <summary>Vectors as large as the residual stream itself, so that a misplaced addition shows at once.</summary>
    private static List<SteeringAddition> Additions(string first, string second) =>
    [
        new(first, TinyGpt2Model.RandomVector(32, seed: 21), 1.5),
        new(second, TinyGpt2Model.RandomVector(32, seed: 22), -0.75),
    ];

    [Fact]
    public void A_control_vector_file_steers_llama_cpp_as_hooks_at_resid_post_steer_us()
    {
        // blocks.2.resid_pre is blocks.1.resid_post: both map to direction.1.
        var additions = Additions("blocks.2.resid_pre", "blocks.2.resid_post");
        var path = tiny.File("steer.cvec.gguf");
        using (var vector = ControlVector.FromAdditions(additions, tiny.Model.Dimensions, "gpt2")) vector.Write(path);

        using var read = ControlVector.Read(path, tiny.Model.Dimensions);
        Assert.Equal([1, 2], read.Directions.Keys);
        var (steered, unsteered) = LlamaCppLogits(tiny.Engine, read);
        using var ours = OurSteeredLogits(tiny.Model, read.ToAdditions());
        using var plain = tiny.OurLogits();

        var difference = TinyGpt2Model.MaxDifference(steered, ours);
        var effect = TinyGpt2Model.MaxDifference(unsteered, ours);
        output.WriteLine($"control vector: max |llama.cpp - ours| = {difference:E2}; the steering itself moves logits by up to {effect:F2}");
        Assert.True(effect > 100 * TinyGpt2Model.GeluTolerance, $"the steering moves logits by only {effect}");
        Assert.True(difference <= TinyGpt2Model.GeluTolerance, $"max difference {difference:E2}");
    }

    [Fact]
    public void Without_the_gelu_the_control_vector_agrees_to_1e_5()
    {
        using var model = tiny.LoadCopy();
        TinyGpt2Model.ZeroMlpOutputWeights(model);
        var path = tiny.File("no-gelu-cvec.f32.gguf");
        GgufModelExport.Write(model, path, GgmlType.F32);
        using var engine = new LlamaCppEngine(path);
        using var vector = ControlVector.FromAdditions(Additions("blocks.1.resid_post", "blocks.2.resid_post"), model.Dimensions, "gpt2");

        var (steered, _) = LlamaCppLogits(engine, vector);
        using var ours = OurSteeredLogits(model, vector.ToAdditions());
        var difference = TinyGpt2Model.MaxDifference(steered, ours);
        output.WriteLine($"control vector, MLP output weights zero: max |llama.cpp - ours| = {difference:E2}");
        Assert.True(difference <= 1e-5, $"max difference {difference:E2}");
    }

    [Fact]
    public void A_folded_gguf_steers_llama_cpp_as_the_hooks_steer_us()
    {
        // A point of every kind that folds: output projections, layer norms, values, MLP hidden, and the position embeddings.
        List<SteeringAddition> additions =
        [
            .. Additions("blocks.0.attn_out", "blocks.2.resid_post"),
            new("blocks.1.ln2", TinyGpt2Model.RandomVector(32, seed: 23), 0.5),
            new("blocks.0.resid_pre", TinyGpt2Model.RandomVector(32, seed: 24), 0.3),
            new("blocks.1.attn.v", TinyGpt2Model.RandomVector(32, seed: 25).reshape(4, 8), 0.8),
            new("blocks.2.mlp.post", TinyGpt2Model.RandomVector(128, seed: 26), 0.2),
        ];
        using var ours = OurSteeredLogits(tiny.Model, additions);

        using var folded = tiny.LoadCopy();
        WeightFolding.Fold(folded, additions);
        var path = tiny.File("folded.f32.gguf");
        GgufModelExport.Write(folded, path, GgmlType.F32);
        using var engine = new LlamaCppEngine(path);

        var difference = TinyGpt2Model.MaxDifference(engine.Logits(tiny.Ids), ours);
        var effect = TinyGpt2Model.MaxDifference(tiny.Engine.Logits(tiny.Ids), ours);
        output.WriteLine($"folded GGUF: max |llama.cpp - ours hooked| = {difference:E2}; the steering moves logits by up to {effect:F2}");
        Assert.True(effect > 100 * TinyGpt2Model.GeluTolerance, $"the steering moves logits by only {effect}");
        Assert.True(difference <= TinyGpt2Model.GeluTolerance, $"max difference {difference:E2}");
    }

    private (float[][] Steered, float[][] Unsteered) LlamaCppLogits(LlamaCppEngine engine, ControlVector vector)
    {
        var layers = tiny.Model.Dimensions.NLayers;
        engine.SetControlVector(vector.ToAdapterLayout(layers), layers);
        try
        {
            return (engine.Logits(tiny.Ids), ClearedLogits());
        }
        finally
        {
            engine.SetControlVector(null, layers);
        }

        float[][] ClearedLogits()
        {
            engine.SetControlVector(null, layers);
            return engine.Logits(tiny.Ids);
        }
    }

    private Tensor OurSteeredLogits(HookedTransformer model, IEnumerable<SteeringAddition> additions)
    {
        using var scope = model.Hooks.CreateScope();
        foreach (var addition in additions) scope.AddVector(addition.HookName, addition.Vector, addition.Coefficient);
        return tiny.OurLogits(model);
    }
}
