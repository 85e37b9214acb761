using System;
using System.IO;
using System.Reflection;
using Steering.Editing;
using Steering.Generators.Tests.Support;
using Steering.Models.Gpt2;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Generators.Tests;

/// <summary>
/// Compiles a consumer with a schema the runtime wrote for a small random GPT-2, loads the assembly and runs the
/// generated FromContrast, Apply, Save and Load against that model.
/// </summary>
public sealed class EndToEndTests
{
    private static Gpt2Config Config(int layers) => new()
    {
        VocabSize = 50257, NPositions = 64, NEmbd = 32, NLayer = layers, NHead = 4, NInner = 128,
    };

    private const string Consumer = """
        using System;
        using Steering;
        using TorchSharp;
        namespace Consumer;

        [SteerAt("blocks.1.hook_resid_post")]
        public partial class LoveHate { }

        public static class Scenario
        {
            public static torch.Tensor Vector(HookedTransformer model)
            {
                using var love = LoveHate.FromContrast(model, "Love", "Hate");
                return love.Blocks1ResidPost!.clone();
            }

            public static torch.Tensor Steered(HookedTransformer model, torch.Tensor vector, string prompt)
            {
                using var love = new LoveHate { Blocks1ResidPost = vector };
                using (love.Apply(model, coefficient: 4))
                    return model.Forward(prompt).clone();
            }

            public static torch.Tensor RoundTrip(torch.Tensor vector, string path)
            {
                using (var love = new LoveHate { Blocks1ResidPost = vector }) love.Save(path);
                using var loaded = LoveHate.Load(path);
                return loaded.Blocks1ResidPost!.clone();
            }

            public static string PointName => Gpt2TinyTest.Blocks[1].ResidPost.Name + "|" + LoveHate.Blocks1ResidPostPoint.Name;
        }
        """;

    [Fact]
    public void Generated_code_steers_like_AddVector_and_rejects_another_model()
    {
        using var model = Gpt2Model.CreateRandom(Config(2), seed: 1);
        var schema = model.Schema with { Name = "gpt2-tiny-test" };
        var run = Harness.Run(Consumer, new[] { Harness.Schema(ModelSchemaWriter.Write(schema)) }, rootNamespace: "Consumer");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        var scenario = Load(run).GetType("Consumer.Scenario", throwOnError: true)!;
        object? Call(string name, params object[] args)
        {
            try
            {
                return scenario.GetMethod(name)!.Invoke(null, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }

        Assert.Equal("blocks.1.resid_post|blocks.1.resid_post", scenario.GetProperty("PointName")!.GetValue(null));

        using var vector = (Tensor)Call("Vector", model)!;
        Assert.Equal(new long[] { 32 }, vector.shape);
        Assert.True(vector.abs().sum().item<float>() > 0);

        const string prompt = "I think dogs are";
        using var steered = (Tensor)Call("Steered", model, vector, prompt)!;
        Tensor expected;
        using (model.Hooks.CreateScope().AddVector("blocks.1.resid_post", vector, 4))
            expected = model.Forward(prompt).clone();
        using (expected)
        using (var plain = model.Forward(prompt))
        {
            Assert.True(steered.allclose(expected, rtol: 1e-5, atol: 1e-5));
            Assert.False(steered.allclose(plain, rtol: 1e-3, atol: 1e-3));
        }

        var path = Path.Combine(Path.GetTempPath(), "steering-e2e-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            using var loaded = (Tensor)Call("RoundTrip", vector, path)!;
            Assert.True(loaded.allclose(vector));
            Assert.Contains("\"blocks.1.resid_post\"", File.ReadAllText(VectorSidecar.PathFor(path)), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
            File.Delete(VectorSidecar.PathFor(path));
        }

        using var bigger = Gpt2Model.CreateRandom(Config(3), seed: 2);
        var error = Assert.Throws<SteeringException>(() => Call("Steered", bigger, vector, prompt));
        Assert.StartsWith("this code was checked against the schema 'gpt2-tiny-test' (gpt2, 2 layers", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 layers", error.Message, StringComparison.Ordinal);
    }

    private static Assembly Load(GeneratorRun run)
    {
        using var image = new MemoryStream();
        var result = run.Output.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return Assembly.Load(image.ToArray());
    }
}
