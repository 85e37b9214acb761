using System;
using System.Linq;
using System.Text.Json.Nodes;
using Steering.Checkpoints;
using Steering.Models;
using Steering.Models.Llama;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// The generic network already computes what Gemma 2/3 need — (1 + w) RMSNorm, post-sublayer norms, √d_model embedding
/// scale, attention and final-logit soft-caps, query_pre_attn_scalar, alternating windows, per-layer rope bases, q/k
/// norms — shown by building their layouts by hand (no Gemma config reader yet) over the reference's random Gemma
/// checkpoints: logits within 1e-4. A Gemma family is then a config reader producing these layouts.
/// </summary>
public sealed class GenericModulesGemmaTests
{
    private static readonly int[] Ids = [5, 17, 3, 200, 42, 42, 9, 130, 7, 1, 250, 64];

    [Theory]
    [InlineData(ReferenceFamily.Gemma2)]
    [InlineData(ReferenceFamily.Gemma3)]
    public void Gemma_layouts_over_the_generic_network_equal_the_reference(ReferenceFamily family)
    {
        using var folder = new TempDirectory();
        var json = RandomCheckpoint.Config(family);
        var config = RandomCheckpoint.Write(folder.Path, json, seed: 4);
        var reference = ReferenceModel.Load(folder.Path).Forward(Ids);

        var global = new RotaryLayout(json["rope_theta"]!.GetValue<double>(),
            json["rope_scaling"] is JsonObject { } scaling ? new RopeScaling(RopeScaling.Linear, scaling["factor"]!.GetValue<double>()) : null);
        var local = family == ReferenceFamily.Gemma3 ? new RotaryLayout(json["rope_local_base_freq"]!.GetValue<double>(), null) : global;
        var layout = new DecoderLayout
        {
            ModelType = json["model_type"]!.GetValue<string>(),
            Dimensions = new(config.HiddenSize, config.Layers, config.Heads, config.KvHeads, config.HeadDim, config.IntermediateSize, config.VocabSize, 64),
            Norm = NormKind.RmsNorm,
            NormEpsilon = config.NormEps,
            NormWeightPlusOne = true,
            Layers = config.SlidingLayers.Select(sliding => new AttentionLayerLayout(
                config.AttentionScale, sliding ? config.SlidingWindow : null, sliding ? local : global)).ToList(),
            QkNorm = config.QkNorm,
            AttentionSoftcap = config.AttnLogitSoftcap,
            GatedMlp = true,
            Activation = config.Activation,
            PostSublayerNorms = true,
            EmbeddingMultiplier = Math.Sqrt(config.HiddenSize),
            FinalLogitSoftcap = config.FinalLogitSoftcap,
            TiedEmbeddings = true,
        };
        var parts = Architectures.Parts(new LlamaFamily(), new ModelConfig(layout, null, null, _ => ""),
            new SpecialTokenIds(2, new[] { 1 }, 0), new ModelLoadOptions(), "gemma", TokenizerLookup.None);
        using var model = new HookedTransformer(parts);
        using (var weights = CheckpointWeights.Open(folder.Path)) model.LoadWeights(weights);
        Assert.Empty(model.LoadWarnings);

        using var scope = NewDisposeScope();
        var fired = new System.Collections.Generic.List<string>();
        Tensor? preNorm = null, attnOut = null;
        using (var hooks = model.Hooks.CreateScope())
        {
            foreach (var point in model.Hooks) hooks.Add(point, (x, ctx) => { fired.Add(ctx.Name); return null; });
            hooks.Add("blocks.0.attn.out_pre_norm", (x, _) => { preNorm = x.clone().DetachFromDisposeScope(); return null; });
            hooks.Add("blocks.0.attn_out", (x, _) => { attnOut = x.clone().DetachFromDisposeScope(); return null; });
            model.Forward(model.TokenTensor(Ids));
        }
        Assert.Equal(model.Hooks.Select(p => p.Name), fired); // every point, once, in schema order
        using (preNorm)
        using (attnOut)
            Assert.False(preNorm!.allclose(attnOut!), "attn_out is after the post-attention norm");
        var logits = model.Forward(model.TokenTensor(Ids))[0].to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var vocab = config.VocabSize;
        var largest = Enumerable.Range(0, Ids.Length)
            .SelectMany(p => Enumerable.Range(0, vocab).Select(t => Math.Abs(logits[(p * vocab) + t] - reference.Logits[p][t]))).Max();
        Assert.True(largest <= 1e-4, $"largest logit difference {largest:E3}");
        Assert.True(reference.Logits.SelectMany(row => row).Max(Math.Abs) > 0.1);
    }
}
