extern alias Generators;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Steering.Generators.Tests.Support;
using Steering.Schema;
using Descriptors = Generators::Steering.Generators.Diagnostics.DiagnosticDescriptors;

namespace Steering.Generators.Tests;

/// <summary>Every generator diagnostic: a positive case (id, location, message) and a negative case.</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic Single(GeneratorRun run, string id) => run.Single(id);

    private static void Clean(GeneratorRun run) => run.AssertClean();

    private static string Class(string attributes, string declaration = "public partial class C { }") => Harness.Class(attributes, declaration);

    [Fact]
    public void STEER001_unknown_hook_name_with_did_you_mean()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.1.resid_pst\")]"));

        var d = Single(run, "STEER001");
        Assert.Equal("\"blocks.1.resid_pst\"", Harness.TextAt(d, run.Output));
        Assert.StartsWith("no hook point 'blocks.1.resid_pst'; did you mean 'blocks.1.resid_post'", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.EndsWith("? (schema 'gpt2')", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Equal("blocks.1.resid_post", d.Properties[Descriptors.SuggestionProperty]);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(1, 9), d.Location.GetLineSpan().StartLinePosition);
        // In the compilation's own tree, not a detached file location: #pragma warning disable and code fixes apply.
        Assert.True(d.Location.IsInSource);
        Assert.Contains(d.Location.SourceTree, run.Output.SyntaxTrees);
    }

    [Fact]
    public void STEER001_negative_alias_names_are_accepted() =>
        Clean(Harness.Run(Class("[SteerAt(\"blocks.1.hook_resid_post\")][SteerAt(\"blocks.0.ln1.hook_normalized\")]")));

    [Fact]
    public void STEER002_layer_beyond_the_schema()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.2.resid_post\")]"));

        var d = Single(run, "STEER002");
        Assert.Equal("\"blocks.2.resid_post\"", Harness.TextAt(d, run.Output));
        Assert.Contains("the model has 2 blocks (0 to 1); did you mean 'blocks.1.resid_post'?", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Equal("blocks.1.resid_post", d.Properties[Descriptors.SuggestionProperty]);
    }

    [Fact]
    public void STEER002_negative_last_layer_is_fine() => Clean(Harness.Run(Class("[SteerAt(\"blocks.1.resid_post\")]")));

    [Fact]
    public void STEER003_class_not_partial()
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\")]", "public class C { }"));

        var d = Single(run, "STEER003");
        Assert.Equal("C", Harness.TextAt(d, run.Output));
        Assert.DoesNotContain(run.Sources.Keys, k => k.Contains("SteerAt", System.StringComparison.Ordinal));
    }

    [Fact]
    public void STEER003_negative_any_part_may_carry_the_attribute()
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\")]", "public partial class C { }\npublic partial class C { public int X; }"));
        Clean(run);
    }

    [Fact]
    public void Sites_on_several_parts_make_one_class_with_every_site()
    {
        // The parser takes ForAttributeWithMetadataName's matches as they are for a class with one declaration; a class in
        // several parts gathers the [SteerAt]s of every part, in declaration order, and is emitted once.
        var run = Harness.Run(Class("[SteerAt(\"embed\")]", "public partial class C { }\n[SteerAt(\"blocks.1.resid_post\", Name = \"Late\")]\npublic partial class C { public int X; }"));

        Clean(run);
        var source = Assert.Single(run.Sources, s => s.Key.EndsWith(".SteerAt.g.cs", System.StringComparison.Ordinal)).Value;
        Assert.True(source.IndexOf("EmbedPoint", System.StringComparison.Ordinal) < source.IndexOf("LatePoint", System.StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("public partial class C<T> { }", "it is generic")]
    [InlineData("public static partial class C { }", "it is static")]
    [InlineData("public abstract partial class C { }", "it is abstract")]
    [InlineData("public partial class C : System.Exception { }", "it derives from 'System.Exception'")]
    [InlineData("public partial record C { }", "it is a record")]
    public void STEER004_unsupported_class_shapes(string declaration, string reason)
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\")]", declaration));

        var d = Single(run, "STEER004");
        Assert.Equal("C", Harness.TextAt(d, run.Output));
        Assert.Contains(reason, d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER004_nested_in_a_non_partial_type()
    {
        var run = Harness.Run("using Steering;\npublic class Outer { [SteerAt(\"embed\")] public partial class C { } }");

        var d = Single(run, "STEER004");
        Assert.Contains("it is nested in 'Outer', which is not partial", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER004_negative_explicit_base_and_partial_nesting_are_fine() =>
        Clean(Harness.Run("using Steering;\npublic partial class Outer { [SteerAt(\"embed\")] public partial class C : SteeringVectorSet { } }"));

    [Fact]
    public void STEER005_no_schema()
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\")]"), System.Array.Empty<AdditionalText>());

        var d = Single(run, "STEER005");
        Assert.Equal("SteerAt(\"embed\")", Harness.TextAt(d, run.Output));
        Assert.Contains("<AdditionalFiles Include=\"gpt2.schema.json\" />", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER005_negative_other_json_files_are_not_schemas()
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\")]"), new[] { Harness.Schema(), new MemoryAdditionalText("/project/appsettings.json", "{ \"a\": 1 }") });
        Clean(run);
    }

    private static AdditionalText[] TwoSchemas() =>
        new[] { Harness.Schema(), Harness.Schema(Harness.TinySchemaJson("small", layers: 3), "/project/small.schema.json") };

    [Fact]
    public void STEER006_ambiguous_schema()
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\")]"), TwoSchemas());

        var d = Single(run, "STEER006");
        Assert.Contains("('gpt2', 'small')", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Equal("SteerAt(\"embed\")", Harness.TextAt(d, run.Output));
    }

    [Fact]
    public void STEER006_negative_attribute_or_assembly_choice_resolves_it()
    {
        Clean(Harness.Run(Class("[SteerAt(\"blocks.2.resid_post\", Schema = \"small\")]"), TwoSchemas()));
        var run = Harness.Run(Class("[assembly: SteeringSchema(\"small\")]\n[SteerAt(\"blocks.2.resid_post\")]"), TwoSchemas());
        Clean(run);
        Assert.Contains("Small", string.Join(",", run.Sources.Keys), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER007_named_schema_not_found()
    {
        var run = Harness.Run(Class("[SteerAt(\"embed\", Schema = \"gpt3\")]"), TwoSchemas());

        var d = Single(run, "STEER007");
        Assert.Equal("\"gpt3\"", Harness.TextAt(d, run.Output));
        Assert.Equal("no model schema named 'gpt3' in this project (schemas: 'gpt2', 'small')", d.GetMessage());
    }

    [Fact]
    public void STEER007_negative_named_schema_found() =>
        Clean(Harness.Run(Class("[SteerAt(\"embed\", Schema = \"gpt2\")]"), TwoSchemas()));

    [Theory]
    [InlineData("STEER008", "{\n  \"format\": 1,\n  \"hook_points\": [ 1, ]\n}\n", 2, 22, "malformed: unexpected character ']'; expected a value")]
    [InlineData("STEER008", "{ \"format\": 1, \"hook_points\": [] }", 0, 0, "missing property 'model'")]
    [InlineData("STEER009", "{\n  \"format\": 7, \"hook_points\": []\n}", 1, 12, "unknown schema format 7")]
    public void STEER008_009_schema_file_problems_point_at_line_and_column(string id, string json, int line, int column, string message)
    {
        var files = new[] { Harness.Schema(json) };
        var run = Harness.Run(Class("[SteerAt(\"embed\")]"), files);

        var d = Single(run, id); // no STEER005 on top: the broken schema has its own diagnostic
        var span = d.Location.GetLineSpan();
        Assert.Equal(Harness.SchemaPath, span.Path);
        Assert.Equal(new Microsoft.CodeAnalysis.Text.LinePosition(line, column), span.StartLinePosition);
        Assert.Contains(message, d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER010_inconsistent_schema()
    {
        var json = Harness.TinySchemaJson()
            .Replace("{ \"name\": \"blocks.1.mlp_out\", \"dims\": [\"batch\", \"pos\", \"d_model\"] }",
                     "{ \"name\": \"blocks.1.mlp_out\", \"dims\": [\"batch\", \"pos\", \"d_modle\"] }", System.StringComparison.Ordinal);
        var files = new[] { Harness.Schema(json) };
        var run = Harness.Run(Class("[SteerAt(\"embed\")]"), files);

        var d = Single(run, "STEER010");
        Assert.Equal("\"d_modle\"", Harness.TextAt(d, run.Output, files));
        Assert.Contains("unknown dimension 'd_modle'", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER008_010_negative_a_schema_written_by_the_writer_reads_back()
    {
        var schema = Harness.TinySchema();
        Assert.Equal(schema, ModelSchemaReader.Read(ModelSchemaWriter.Write(schema)));
    }

    private static AdditionalText Sidecar(string hook, params int[] shape) =>
        new MemoryAdditionalText("/project/vectors/love.safetensors.json",
            VectorSidecar.Write("gpt2", new[] { new KeyValuePair<string, IReadOnlyList<int>>(hook, shape) }));

    private const string VectorSite = "[SteerAt(\"blocks.1.resid_post\", Vector = \"vectors/love.safetensors\")]";

    [Fact]
    public void STEER011_vector_sidecar_missing()
    {
        var run = Harness.Run(Class(VectorSite));

        var d = Single(run, "STEER011");
        Assert.Equal("\"vectors/love.safetensors\"", Harness.TextAt(d, run.Output));
        Assert.Contains("its sidecar 'vectors/love.safetensors.json' is not an AdditionalFiles item", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER011_013_negative_matching_sidecar()
    {
        var run = Harness.Run(Class(VectorSite), new[] { Harness.Schema(), Sidecar("blocks.1.hook_resid_post", 32) });
        Clean(run);
        Assert.Contains("LoadDefault", run.Sources["C.SteerAt.g.cs"], System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER012_vector_sidecar_unreadable()
    {
        var run = Harness.Run(Class(VectorSite), new[] { Harness.Schema(), new MemoryAdditionalText("/project/vectors/love.safetensors.json", "{ \"format\": 1, ") });

        var d = Single(run, "STEER012");
        Assert.Equal("\"vectors/love.safetensors\"", Harness.TextAt(d, run.Output));
        Assert.Contains("love.safetensors.json(1,16)", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("blocks.1.resid_post", 16, "its shape is [16], the site's is [32] (d_model)")]
    [InlineData("blocks.0.resid_post", 32, "it was made at 'blocks.0.resid_post'")]
    public void STEER013_vector_does_not_fit(string hook, int size, string reason)
    {
        var run = Harness.Run(Class(VectorSite), new[] { Harness.Schema(), Sidecar(hook, size) });

        var d = Single(run, "STEER013");
        Assert.Equal("\"vectors/love.safetensors\"", Harness.TextAt(d, run.Output));
        Assert.Contains(reason, d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER014_duplicate_site()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.0.resid_post\")]\n[SteerAt(\"blocks.0.hook_resid_post\", Name = \"Again\")]"));

        var d = Single(run, "STEER014");
        Assert.Equal("\"blocks.0.hook_resid_post\"", Harness.TextAt(d, run.Output));
    }

    [Fact]
    public void STEER015_duplicate_name()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.0.resid_post\", Name = \"V\")]\n[SteerAt(\"blocks.1.resid_post\", Name = \"V\")]"));

        var d = Single(run, "STEER015");
        Assert.Equal("\"V\"", Harness.TextAt(d, run.Output));
    }

    [Fact]
    public void STEER014_015_negative_distinct_sites_and_names() =>
        Clean(Harness.Run(Class("[SteerAt(\"blocks.0.resid_post\", Name = \"V\")]\n[SteerAt(\"blocks.1.resid_post\", Name = \"W\")]")));

    [Theory]
    [InlineData("\"class\"", "it is not a C# identifier")]
    [InlineData("\"my vector\"", "it is not a C# identifier")]
    [InlineData("\"Apply\"", "the generated class has a member of that name")]
    public void STEER016_invalid_site_name(string name, string reason)
    {
        var run = Harness.Run(Class($"[SteerAt(\"embed\", Name = {name})]"));

        var d = Single(run, "STEER016");
        Assert.Equal(name, Harness.TextAt(d, run.Output));
        Assert.Contains(reason, d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER017_hook_point_takes_no_vector()
    {
        var run = Harness.Run(Class("[SteerAt(\"blocks.0.attn.pattern\")]"));

        var d = Single(run, "STEER017");
        Assert.Equal("\"blocks.0.attn.pattern\"", Harness.TextAt(d, run.Output));
        Assert.Contains("[batch, n_heads, q_pos, k_pos] is not per-position", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public void STEER017_negative_per_head_points_take_vectors() => Clean(Harness.Run(Class("[SteerAt(\"blocks.0.attn.z\")]")));

    [Fact]
    public void STEER019_non_constant_hook_name()
    {
        var run = Harness.Run(Class("[SteerAt(null!)]"));

        var d = Single(run, "STEER019");
        Assert.Equal("null!", Harness.TextAt(d, run.Output));
    }

    [Fact]
    public void Every_descriptor_is_documented_and_tracked()
    {
        var root = System.IO.Path.Combine(Harness.SourceDirectory(), "..", "..");
        var docs = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "docs", "diagnostics.md"));
        var unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "src", "Steering.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in Descriptors.All)
        {
            Assert.Contains("## " + descriptor.Id, docs, System.StringComparison.Ordinal);
            Assert.Contains(descriptor.Id + " |", unshipped, System.StringComparison.Ordinal);
            Assert.EndsWith("#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri, System.StringComparison.Ordinal);
        }
    }
}
