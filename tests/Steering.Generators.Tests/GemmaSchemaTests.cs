using System.Reflection;
using Steering.Editing;
using Steering.Generators.Tests.Support;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Generators.Tests;

/// <summary>
/// The generator, unchanged, on a schema the runtime wrote for a tiny random Gemma 2: the points only Gemma has (the
/// inputs of its post-attention and post-feedforward norms) generate and steer like AddVector.
/// </summary>
public sealed class GemmaSchemaTests
{
    private const string GemmaConfig = """
        { "model_type": "gemma2", "vocab_size": 300, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 32, "sliding_window": 2 }
        """;

    private const string Consumer = """
        using Steering;
        using TorchSharp;
        namespace Consumer;

        [SteerAt("blocks.0.attn.out_pre_norm")]
        [SteerAt("blocks.1.mlp.out_pre_norm")]
        public partial class Probe { }

        public static class Scenario
        {
            public static torch.Tensor Steered(HookedTransformer model, torch.Tensor attention, torch.Tensor mlp, torch.Tensor ids)
            {
                using var probe = new Probe { Blocks0AttnOutPreNorm = attention, Blocks1MlpOutPreNorm = mlp };
                using (probe.Apply(model, coefficient: 2))
                    return model.Forward(ids).clone();
            }
        }
        """;

    [Fact]
    public void Gemmas_norm_input_points_generate_and_steer_like_AddVector()
    {
        using var model = HookedTransformer.CreateRandom(GemmaConfig, seed: 1, new ModelLoadOptions { Name = "gemma-tiny-test" });
        var run = Harness.Run(Consumer, new[] { Harness.Schema(ModelSchemaWriter.Write(model.Schema)) }, rootNamespace: "Consumer");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        using var image = new System.IO.MemoryStream();
        Assert.True(run.Output.Emit(image).Success);
        var steer = Assembly.Load(image.ToArray()).GetType("Consumer.Scenario", throwOnError: true)!.GetMethod("Steered")!;

        using var scope = NewDisposeScope();
        var generator = new Generator(4);
        var attention = randn(32, generator: generator);
        var mlp = randn(32, generator: generator);
        var ids = model.TokenTensor(new[] { 5, 17, 200, 42 });
        var steered = (Tensor)steer.Invoke(null, new object[] { model, attention, mlp, ids })!;
        using var hooks = model.Hooks.CreateScope()
            .AddVector("blocks.0.attn.out_pre_norm", attention, 2).AddVector("blocks.1.mlp.out_pre_norm", mlp, 2);
        var expected = model.Forward(ids);
        Assert.True(steered.allclose(expected, rtol: 1e-5, atol: 1e-5));
        hooks.Dispose();
        Assert.False(steered.allclose(model.Forward(ids), rtol: 1e-3, atol: 1e-3), "the steering must change the output");
    }
}
