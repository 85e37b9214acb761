using System;
using System.Reflection;
using Steering.Editing;
using Steering.Generators.Tests.Support;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Generators.Tests;

/// <summary>
/// The generator, unchanged, on a schema the runtime wrote for a tiny random Llama (rotary, gated MLP, grouped-query
/// attention): Llama-only points generate and steer like AddVector; GPT-2-only points are diagnosed.
/// </summary>
public sealed class RotarySchemaTests
{
    private const string LlamaConfig = """
        { "model_type": "llama", "vocab_size": 300, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 32 }
        """;

    private const string Consumer = """
        using Steering;
        using TorchSharp;
        namespace Consumer;

        [SteerAt("blocks.1.resid_post")]
        [SteerAt("blocks.0.attn.hook_rot_k")]
        [SteerAt("blocks.0.mlp.pre_linear")]
        public partial class Probe { }

        public static class Scenario
        {
            public static torch.Tensor Steered(HookedTransformer model, torch.Tensor residual, torch.Tensor keys, torch.Tensor up, torch.Tensor ids)
            {
                using var probe = new Probe { Blocks1ResidPost = residual, Blocks0AttnRotK = keys, Blocks0MlpPreLinear = up };
                using (probe.Apply(model, coefficient: 2))
                    return model.Forward(ids).clone();
            }

            public static string Names => LlamaTinyTest.Blocks[0].AttnRotK.Name + "|" + LlamaTinyTest.Blocks[0].MlpPreLinear.Name;
        }
        """;

    [Fact]
    public void Rotary_and_gated_points_generate_and_steer_like_AddVector()
    {
        using var model = HookedTransformer.CreateRandom(LlamaConfig, seed: 1, new ModelLoadOptions { Name = "llama-tiny-test" });
        var run = Harness.Run(Consumer, new[] { Harness.Schema(ModelSchemaWriter.Write(model.Schema)) }, rootNamespace: "Consumer");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        var scenario = Load(run).GetType("Consumer.Scenario", throwOnError: true)!;
        Assert.Equal("blocks.0.attn.rot_k|blocks.0.mlp.pre_linear", scenario.GetProperty("Names")!.GetValue(null));

        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var residual = randn(32, generator: generator);
        var keys = randn(2, 8, generator: generator); // [n_kv_heads, d_head]
        var up = randn(64, generator: generator);
        var ids = model.TokenTensor(new[] { 5, 17, 200, 42 });
        Tensor steered;
        try
        {
            steered = (Tensor)scenario.GetMethod("Steered")!.Invoke(null, new object[] { model, residual, keys, up, ids })!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
        using var hooks = model.Hooks.CreateScope()
            .AddVector("blocks.1.resid_post", residual, 2).AddVector("blocks.0.attn.rot_k", keys, 2).AddVector("blocks.0.mlp.pre_linear", up, 2);
        Assert.True(steered.allclose(model.Forward(ids), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Points_a_rotary_model_lacks_are_diagnosed()
    {
        using var model = HookedTransformer.CreateRandom(LlamaConfig, seed: 1, new ModelLoadOptions { Name = "llama-tiny-test" });
        const string source = """
            using Steering;
            [SteerAt("pos_embed")]
            public partial class Positions { }
            """;
        var run = Harness.Run(source, new[] { Harness.Schema(ModelSchemaWriter.Write(model.Schema)) });
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("STEER001", diagnostic.Id);
        Assert.Contains("pos_embed", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static Assembly Load(GeneratorRun run)
    {
        using var image = new System.IO.MemoryStream();
        var result = run.Output.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return Assembly.Load(image.ToArray());
    }
}
