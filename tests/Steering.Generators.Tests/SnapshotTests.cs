using System.Linq;
using Steering.Generators.Tests.Support;
using Steering.Schema;

namespace Steering.Generators.Tests;

/// <summary>The generated source, compared with checked-in baselines (see <see cref="Baseline"/> for updating them).</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void One_site_class()
    {
        var run = Harness.Run("""
            using Steering;
            namespace Demo;
            [SteerAt("blocks.1.hook_resid_post")]
            public partial class LoveHate { }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        Baseline.Match("Demo.LoveHate.SteerAt.g.cs", run.Sources["Demo.LoveHate.SteerAt.g.cs"]);
    }

    [Fact]
    public void Several_sites_nested_class_with_a_vector_file()
    {
        var sidecar = new MemoryAdditionalText("/project/vectors/z.safetensors.json",
            VectorSidecar.Write("gpt2", new[] { new System.Collections.Generic.KeyValuePair<string, System.Collections.Generic.IReadOnlyList<int>>("blocks.0.attn.z", new[] { 4, 8 }) }));
        var run = Harness.Run("""
            using Steering;
            namespace Demo.Steer
            {
                public static partial class Outer
                {
                    [SteerAt("blocks.0.resid_post")]
                    [SteerAt("blocks.1.attn_out", Name = "Attn1")]
                    [SteerAt("blocks.0.attn.z", Vector = "vectors/z.safetensors")]
                    internal sealed partial class Mixed { }
                }
            }
            """, new[] { Harness.Schema(), sidecar });

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        Baseline.Match("Demo.Steer.Outer.Mixed.SteerAt.g.cs", run.Sources["Demo.Steer.Outer.Mixed.SteerAt.g.cs"]);
    }

    [Fact]
    public void Two_models_with_site_settings_and_an_embedded_vector()
    {
        var small = Harness.TinySchema("small", layers: 3);
        var sidecar = Harness.Sidecar("/project/vectors/small.safetensors", small, ("blocks.2.resid_post", new[] { 32 }));
        var run = Harness.Run("""
            using Steering;
            namespace Demo;
            [SteerAt("blocks.1.resid_post", Schema = "gpt2", Coefficient = 4, Positions = SteerPositions.Last, Count = 3)]
            [SteerAt("blocks.2.resid_post", Schema = "small", Name = "Small", Normalization = VectorNormalization.ActivationNorm, Vector = "vectors/small.safetensors", Embed = true)]
            [SteerAt("blocks.0.attn_out", Schema = "small", Name = "Attention", Positions = SteerPositions.Prompt)]
            public partial class Love { }
            """,
            new[] { Harness.Schema(), Harness.Schema(ModelSchemaWriter.Write(small), "/project/small.schema.json"), sidecar },
            fileMetadata: Harness.Embedded(sidecar.Path, "vectors/small.safetensors"));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        Baseline.Match("Demo.Love.SteerAt.g.cs", run.Sources["Demo.Love.SteerAt.g.cs"]);
    }

    [Fact]
    public void Schema_class_of_typed_hook_points()
    {
        var run = Harness.Run("""
            namespace Demo;
            public static class Use
            {
                public static string Name => Gpt2.Blocks[1].ResidPost.Name + Gpt2.Embed.Name + Gpt2.LnFinal.Name + Gpt2.Blocks[0].AttnZ.Name;
            }
            """, rootNamespace: "Demo");

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileDiagnostics);
        Assert.Equal(new[] { "Demo.Gpt2.Schema.g.cs" }, run.Sources.Keys.ToArray());
        Baseline.Match("Demo.Gpt2.Schema.g.cs", run.Sources["Demo.Gpt2.Schema.g.cs"]);
    }

    [Fact]
    public void Schema_class_namespace_defaults_without_a_root_namespace()
    {
        var run = Harness.Run("public static class Use { public static string N => Steering.Models.Schemas.Gpt2.Blocks[0].ResidPre.Name; }");

        Assert.Empty(run.CompileDiagnostics);
        Assert.Contains("Steering.Models.Schemas.Gpt2.Schema.g.cs", run.Sources.Keys);
    }

    [Fact]
    public void Generated_class_exposes_typed_points_and_vector_properties()
    {
        var run = Harness.Run("""
            using Steering;
            [SteerAt("blocks.0.mlp.post", Name = "Mlp")]
            public partial class Probe { }
            public static class Use
            {
                public static System.Collections.Generic.IReadOnlyList<int> Shape => Probe.MlpPoint.VectorShape;
                public static TorchSharp.torch.Tensor? Get(Probe p) => p.Mlp;
            }
            """);

        Assert.Empty(run.CompileDiagnostics);
        Assert.Contains("new int[] { 128 }", run.Sources["Probe.SteerAt.g.cs"], System.StringComparison.Ordinal);
    }
}
