using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Steering.Editing;
using Steering.Generators.Tests.Support;
using Steering.Models.Gpt2;
using Steering.Schema;
using static TorchSharp.torch;

namespace Steering.Generators.Tests;

/// <summary>
/// Compiles a consumer with a schema the runtime wrote for a small random GPT-2, loads the assembly and runs the
/// generated Build, Apply, Save and Load against that model; a class steering two models with site settings and an
/// embedded vector against both.
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
                using var love = LoveHate.Build(model, Steering.Vectors.VectorBuilders.Diff("Love", "Hate"));
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

    private const string TwoModels = """
        using Steering;
        using TorchSharp;
        namespace Consumer;

        [SteerAt("blocks.1.resid_post", Schema = "tiny-a", Coefficient = 2, Positions = SteerPositions.First, Count = 2)]
        [SteerAt("blocks.2.resid_post", Schema = "tiny-b", Normalization = VectorNormalization.Unit, Vector = "vectors/b.safetensors", Embed = true)]
        public partial class Both { }

        public static class Scenario
        {
            public static torch.Tensor SteeredA(HookedTransformer model, torch.Tensor vector, string prompt)
            {
                using var both = new Both { Blocks1ResidPost = vector };
                using (both.Apply(model, coefficient: 3))
                    return model.Forward(prompt).clone();
            }

            public static torch.Tensor SteeredB(HookedTransformer model, string prompt)
            {
                using var both = Both.LoadDefault();
                using (both.Apply(model))
                    return model.Forward(prompt).clone();
            }

            // Written when b.safetensors was a file next to the application: still compiles, the directory unread.
            public static torch.Tensor SteeredBFromDirectory(HookedTransformer model, string prompt)
            {
                using var both = Both.LoadDefault("/nowhere");
                using (both.Apply(model))
                    return model.Forward(prompt).clone();
            }

            public static string SitesFor(HookedTransformer model)
            {
                using var both = new Both();
                return string.Join(",", System.Linq.Enumerable.Select(both.SitesFor(model), s => s.Point.Name));
            }
        }
        """;

    [Fact]
    public void One_class_steers_two_models_each_at_its_site_with_its_settings_and_an_embedded_vector()
    {
        using var a = Gpt2Model.CreateRandom(Config(2), seed: 1);
        using var b = Gpt2Model.CreateRandom(Config(3), seed: 2);
        using var vectorB = randn(32, generator: new TorchSharp.torch.Generator(7)) * 3;
        var file = Path.Combine(Path.GetTempPath(), "steering-e2e-" + Guid.NewGuid().ToString("N") + ".safetensors");
        Steering.Checkpoints.SafetensorsWriter.Write(file, new[] { new System.Collections.Generic.KeyValuePair<string, Tensor>("blocks.2.resid_post", vectorB) });
        try
        {
            var schemaB = b.Schema with { Name = "tiny-b" };
            var sidecar = Harness.Sidecar("/project/vectors/b.safetensors", schemaB, ("blocks.2.resid_post", new[] { 32 }));
            var run = Harness.Run(TwoModels,
                new[] { Harness.Schema(ModelSchemaWriter.Write(a.Schema with { Name = "tiny-a" }), "/project/a.schema.json"), Harness.Schema(ModelSchemaWriter.Write(schemaB), "/project/b.schema.json"), sidecar },
                rootNamespace: "Consumer", fileMetadata: Harness.Embedded(sidecar.Path, "vectors/b.safetensors"));
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Empty(run.CompileDiagnostics);
            var scenario = Load(run, ("vectors/b.safetensors", file)).GetType("Consumer.Scenario", throwOnError: true)!;
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

            // The model's identity picks the site.
            Assert.Equal("blocks.1.resid_post", Call("SitesFor", a));
            Assert.Equal("blocks.2.resid_post", Call("SitesFor", b));

            // Model A: coefficient 2 (site) x 3 (Apply), first two positions only; B's site needs no vector here.
            const string prompt = "I think dogs are";
            using var vectorA = randn(32, generator: new TorchSharp.torch.Generator(3));
            using var steeredA = (Tensor)Call("SteeredA", a, vectorA, prompt)!;
            using (var expected = Forward(a, prompt, "blocks.1.resid_post", vectorA, 6, c => c.Positions.lt(2)))
                Assert.True(steeredA.allclose(expected, rtol: 1e-5, atol: 1e-5));
            using (var allPositions = Forward(a, prompt, "blocks.1.resid_post", vectorA, 6, null))
                Assert.False(steeredA.allclose(allPositions, rtol: 1e-3, atol: 1e-3));

            // Model B: the embedded vector (no file next to the assembly), scaled to unit length.
            using var steeredB = (Tensor)Call("SteeredB", b, prompt)!;
            using var unit = vectorB / vectorB.norm();
            using (var expected = Forward(b, prompt, "blocks.2.resid_post", unit, 1, null))
                Assert.True(steeredB.allclose(expected, rtol: 1e-5, atol: 1e-5));
            // Every vector is embedded: LoadDefault takes no directory; the old one-parameter call still works.
            var both = scenario.Assembly.GetType("Consumer.Both", throwOnError: true)!;
            Assert.NotNull(both.GetMethod("LoadDefault", Type.EmptyTypes));
            using (var fromDirectory = (Tensor)Call("SteeredBFromDirectory", b, prompt)!)
                Assert.True(steeredB.allclose(fromDirectory, rtol: 0, atol: 0));

            // A third model is neither: the message names every identity the class was checked against.
            using var other = Gpt2Model.CreateRandom(Config(4), seed: 3);
            var error = Assert.Throws<SteeringException>(() => Call("SitesFor", other));
            Assert.Contains("'tiny-a' (gpt2, 2 layers", error.Message, StringComparison.Ordinal);
            Assert.Contains("'tiny-b' (gpt2, 3 layers", error.Message, StringComparison.Ordinal);
            Assert.Contains("4 layers", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Tensor Forward(HookedTransformer model, string prompt, string hook, Tensor vector, double coefficient, Func<Steering.Hooks.HookContext, Tensor>? positions)
    {
        using (model.Hooks.CreateScope().AddVector(hook, vector, coefficient, positions is null ? null : Steering.Editing.PositionSelector.Where(positions)))
            return model.Forward(prompt).clone();
    }

    private static Assembly Load(GeneratorRun run, params (string Name, string File)[] resources)
    {
        using var image = new MemoryStream();
        var result = run.Output.Emit(image, manifestResources: resources.Select(r => new Microsoft.CodeAnalysis.ResourceDescription(r.Name, () => File.OpenRead(r.File), isPublic: true)));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return Assembly.Load(image.ToArray());
    }
}
