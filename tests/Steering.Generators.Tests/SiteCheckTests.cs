extern alias Generators;
using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Steering.Generators.Tests.Support;
using Steering.Schema;
using Descriptors = Generators::Steering.Generators.Diagnostics.DiagnosticDescriptors;

namespace Steering.Generators.Tests;

/// <summary>
/// The second pass's checks, each positive (id, the argument it points at, message) and negative: site settings
/// (STEER020), pairs (STEER021), a vector built for another model (STEER022), several schemas on one class, help links.
/// </summary>
public sealed class SiteCheckTests
{
    private static Diagnostic Single(GeneratorRun run, string id) => run.Single(id);

    private static void Clean(GeneratorRun run) => run.AssertClean();

    private static string Class(string attributes) => Harness.Class(attributes);

    /// <summary>A Llama-shaped schema (gated MLP, rotary): 2 blocks, d_model 32, d_mlp 64, context 128.</summary>
    private static ModelSchema Gated(string name = "llama-tiny")
    {
        var dimensions = new ModelDimensions(32, 2, 4, 2, 8, 64, 1000, 128);
        return new ModelSchema(ModelSchema.CurrentFormat, name, "llama", dimensions,
            HookCatalog.ForDecoder(dimensions, new DecoderHookLayout(LearnedPositions: false, Rotary: true, GatedMlp: true, PostSublayerNorms: false)));
    }

    private static AdditionalText Pairs(int count, string path = "/project/love-hate.json") =>
        new MemoryAdditionalText(path, "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $"{{\"positive\": \"Love {i}\", \"negative\": \"Hate {i}\"}}")) + "]");

    [Theory]
    [InlineData("Coefficient = double.NaN", "double.NaN", "Coefficient = NaN: a coefficient must be a finite number")]
    [InlineData("Positions = SteerPositions.First", "SteerPositions.First", "Positions = First: say how many positions with Count = k")]
    [InlineData("Positions = SteerPositions.Last, Count = 0", "0", "Count = 0: the first/last k positions need 1 <= k <= 64 (the context of 'gpt2')")]
    [InlineData("Positions = SteerPositions.Last, Count = 65", "65", "Count = 65: the first/last k positions need 1 <= k <= 64")]
    [InlineData("Positions = SteerPositions.Prompt, Count = 2", "2", "Count = 2: a count is for Positions = First or Last, not Prompt")]
    [InlineData("Positions = (SteerPositions)9", "(SteerPositions)9", "Positions = 9: not a member of the enum")]
    [InlineData("Method = SteeringMethod.MeanDiff", "SteeringMethod.MeanDiff", "Method = MeanDiff: this method builds the vector from contrastive pairs: add Pairs = \"pairs.json\"")]
    [InlineData("Embed = true", "true", "Embed = true: there is no Vector to embed")]
    [InlineData("Projection = MlpProjection.Up", "MlpProjection.Up", "has a plain MLP")]
    public void STEER020_a_wrong_setting_is_reported_at_its_argument(string arguments, string at, string message)
    {
        var run = Harness.Run(Class($"[SteerAt(\"blocks.1.mlp.pre\", {arguments})]"));

        var d = Single(run, "STEER020");
        Assert.Equal(at, Harness.TextAt(d, run.Output));
        Assert.Contains(message, d.GetMessage(), StringComparison.Ordinal);
        Assert.StartsWith("https://", d.Descriptor.HelpLinkUri, StringComparison.Ordinal);
    }

    [Fact]
    public void STEER020_normalizing_to_the_activation_needs_a_d_model_point()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.0.attn.z\", Normalization = VectorNormalization.ActivationNorm)]"));

        var d = Single(run, "STEER020");
        Assert.Equal("VectorNormalization.ActivationNorm", Harness.TextAt(d, run.Output));
        Assert.Contains("'blocks.0.attn.z' has vectors [n_heads, d_head]; scaling to the activation's norm needs a [d_model] point", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void STEER020_a_projection_only_at_a_gated_MLP_input()
    {
        var files = new[] { Harness.Schema(ModelSchemaWriter.Write(Gated())) };
        var run = Harness.Run(Class("[SteerAt(\"blocks.1.resid_post\", Projection = MlpProjection.Gate)]"), files);
        Assert.Contains("a projection is chosen at the MLP input 'blocks.{i}.mlp.pre' of a gated MLP", Single(run, "STEER020").GetMessage(), StringComparison.Ordinal);

        // Negative: Up re-targets the site to the up projection (mlp.pre_linear, [d_mlp]).
        var up = Harness.Run(Class("[SteerAt(\"blocks.1.mlp.pre\", Projection = MlpProjection.Up)]"), files);
        Clean(up);
        Assert.Contains("\"blocks.1.mlp.pre_linear\"", up.Sources["C.SteerAt.g.cs"], StringComparison.Ordinal);
        Assert.Contains("Blocks1MlpPreLinear", up.Sources["C.SteerAt.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void STEER020_negative_every_setting_that_fits()
    {
        var run = Harness.Run(Class("""
            [SteerAt("blocks.1.resid_post", Coefficient = -2.5, Positions = SteerPositions.Last, Count = 64, Normalization = VectorNormalization.ActivationNorm,
                     Method = SteeringMethod.Pca, Pairs = "love-hate.json")]
            [SteerAt("blocks.0.attn.z", Positions = SteerPositions.Generated, Normalization = VectorNormalization.Unit, Method = SteeringMethod.Sae)]
            """), new[] { Harness.Schema(), Pairs(2) });

        Clean(run);
        var source = run.Sources["C.SteerAt.g.cs"];
        Assert.Contains("coefficient: -2.5d, positions: global::Steering.SteerPositions.Last, count: 64, normalization: global::Steering.VectorNormalization.ActivationNorm, method: global::Steering.SteeringMethod.Pca", source, StringComparison.Ordinal);
        Assert.Contains("positions: global::Steering.SteerPositions.Generated, normalization: global::Steering.VectorNormalization.Unit, method: global::Steering.SteeringMethod.Sae", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Method = SteeringMethod.Pca", 1, "SteeringMethod.Pca", "STEER020", "Method = Pca: needs at least 2 pairs; 'love-hate.json' has 1")]
    [InlineData("Method = SteeringMethod.Diff", 3, "SteeringMethod.Diff", "STEER020", "a difference is of one pair; 'love-hate.json' has 3 (use MeanDiff)")]
    [InlineData("Method = SteeringMethod.Sae", 1, "\"love-hate.json\"", "STEER020", "a sparse autoencoder's direction is not built from pairs")]
    [InlineData("Method = SteeringMethod.MeanDiff", 0, "\"love-hate.json\"", "STEER021", "the pairs 'love-hate.json' holds no pairs")]
    public void STEER020_021_the_method_and_its_pairs(string method, int pairs, string at, string id, string message)
    {
        var run = Harness.Run(Class($"[SteerAt(\"blocks.1.resid_post\", {method}, Pairs = \"love-hate.json\")]"), new[] { Harness.Schema(), Pairs(pairs) });

        var d = Single(run, id);
        Assert.Equal(at, Harness.TextAt(d, run.Output));
        Assert.Contains(message, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void STEER021_pairs_missing_or_unreadable()
    {
        const string Site = "[SteerAt(\"blocks.1.resid_post\", Method = SteeringMethod.MeanDiff, Pairs = \"love-hate.json\")]";
        var missing = Single(Harness.Run(Class(Site)), "STEER021");
        Assert.Contains("is not an AdditionalFiles item (add <AdditionalFiles Include=\"love-hate.json\" />)", missing.GetMessage(), StringComparison.Ordinal);

        var broken = Harness.Run(Class(Site), new[] { Harness.Schema(), new MemoryAdditionalText("/project/love-hate.json", "[{\"positive\": \"Love\"}]") });
        var d = Single(broken, "STEER021");
        Assert.Equal("\"love-hate.json\"", Harness.TextAt(d, broken.Output));
        Assert.Contains("cannot be read: love-hate.json(1,2): missing property 'negative'", d.GetMessage(), StringComparison.Ordinal);
    }

    private const string VectorSite = "[SteerAt(\"blocks.1.resid_post\", Vector = \"vectors/love.safetensors\")]";

    [Fact]
    public void STEER022_a_vector_built_for_another_model_names_both()
    {
        var other = Harness.TinySchema("gpt2-medium", layers: 24, width: 32);
        var run = Harness.Run(Class(VectorSite), new[] { Harness.Schema(), Harness.Sidecar("/project/vectors/love.safetensors", other, ("blocks.1.resid_post", new[] { 32 })) });

        var d = Single(run, "STEER022");
        Assert.Equal("\"vectors/love.safetensors\"", Harness.TextAt(d, run.Output));
        Assert.Equal("the vector 'vectors/love.safetensors' was built for 'gpt2-medium' (gpt2, 24 layers, d_model 32, 4 heads, d_mlp 128, vocab 50257, n_ctx 64); " +
            "this site is checked against 'gpt2' (gpt2, 2 layers, d_model 32, 4 heads, d_mlp 128, vocab 50257, n_ctx 64)", d.GetMessage());
    }

    [Fact]
    public void STEER022_negative_the_same_model_under_another_name_or_a_name_only_sidecar_of_the_schema()
    {
        Clean(Harness.Run(Class(VectorSite), new[] { Harness.Schema(), Harness.Sidecar("/project/vectors/love.safetensors", Harness.TinySchema("renamed"), ("blocks.1.resid_post", new[] { 32 })) }));
        var nameOnly = new MemoryAdditionalText("/project/vectors/love.safetensors.json",
            VectorSidecar.Write("gpt2", new[] { new System.Collections.Generic.KeyValuePair<string, System.Collections.Generic.IReadOnlyList<int>>("blocks.1.resid_post", new[] { 32 }) }));
        Clean(Harness.Run(Class(VectorSite), new[] { Harness.Schema(), nameOnly }));
    }

    [Fact]
    public void Embed_needs_the_build_to_embed_the_vector()
    {
        const string Site = "[SteerAt(\"blocks.1.resid_post\", Vector = \"vectors/love.safetensors\", Embed = true)]";
        var sidecar = Harness.Sidecar("/project/vectors/love.safetensors", Harness.TinySchema(), ("blocks.1.resid_post", new[] { 32 }));
        var loose = Harness.Run(Class(Site), new[] { Harness.Schema(), sidecar });
        var d = Single(loose, "STEER020");
        Assert.Equal("true", Harness.TextAt(d, loose.Output));
        Assert.Contains("add <SteeringVector Include=\"vectors/love.safetensors\" /> to the project", d.GetMessage(), StringComparison.Ordinal);

        var embedded = Harness.Run(Class(Site), new[] { Harness.Schema(), sidecar }, fileMetadata: Harness.Embedded(sidecar.Path, "vectors/love.safetensors"));
        Clean(embedded);
        Assert.Contains("set.SetFromResource(0, \"vectors/love.safetensors\");", embedded.Sources["C.SteerAt.g.cs"], StringComparison.Ordinal);
    }

    private static AdditionalText[] TwoSchemas() =>
        new[] { Harness.Schema(), Harness.Schema(ModelSchemaWriter.Write(Gated()), "/project/llama.schema.json") };

    [Fact]
    public void Several_schemas_on_one_class_are_each_checked()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.1.resid_post\", Schema = \"gpt2\")]\n[SteerAt(\"blocks.2.resid_post\", Schema = \"llama-tiny\")]"), TwoSchemas());

        var d = Single(run, "STEER002");
        Assert.Equal("\"blocks.2.resid_post\"", Harness.TextAt(d, run.Output));
        Assert.EndsWith("(schema 'llama-tiny')", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_schemas_negative_each_site_gets_its_schema()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.1.resid_post\", Schema = \"gpt2\")]\n[SteerAt(\"blocks.1.resid_post\", Schema = \"llama-tiny\", Name = \"Llama\")]"), TwoSchemas());

        Clean(run);
        var source = run.Sources["C.SteerAt.g.cs"];
        Assert.Contains("__schema0 = new global::Steering.SchemaIdentity(\"gpt2\"", source, StringComparison.Ordinal);
        Assert.Contains("__schema1 = new global::Steering.SchemaIdentity(\"llama-tiny\"", source, StringComparison.Ordinal);
        Assert.Contains("new global::Steering.SteeringSite(LlamaPoint, __schema1)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_schemas_a_site_without_one_is_ambiguous()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.1.resid_post\", Schema = \"gpt2\")]\n[SteerAt(\"blocks.1.resid_post\", Schema = \"llama-tiny\", Name = \"Llama\")]\n[SteerAt(\"embed\")]"), TwoSchemas());

        Assert.Equal("STEER006", Single(run, "STEER006").Id);
    }

    [Fact]
    public void Every_help_link_is_absolute_and_documented()
    {
        var docs = System.IO.File.ReadAllText(System.IO.Path.Combine(Harness.SourceDirectory(), "..", "..", "docs", "diagnostics.md"));
        foreach (var descriptor in Descriptors.All)
        {
            Assert.True(Uri.TryCreate(descriptor.HelpLinkUri, UriKind.Absolute, out var uri) && uri.Scheme == "https", descriptor.Id + ": " + descriptor.HelpLinkUri);
            Assert.EndsWith("/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.Contains("\n## " + descriptor.Id + "\n", docs, StringComparison.Ordinal);
        }
    }
}
