using System.Collections.Generic;
using Steering.Schema;
using Steering.Tests.Support;

namespace Steering.Tests.Schema;

public sealed class ModelSchemaReaderTests : IClassFixture<TinyGpt2Folder>
{
    private readonly TinyGpt2Folder _folder;

    public ModelSchemaReaderTests(TinyGpt2Folder folder) => _folder = folder;

    [Fact]
    public void A_schema_read_from_a_model_folder_round_trips_through_the_writer()
    {
        var schema = HookedTransformer.ReadSchema(_folder.Path, "tiny");

        var read = ModelSchemaReader.Read(ModelSchemaWriter.Write(schema));

        Assert.Equal(schema, read);
    }

    [Fact]
    public void A_random_model_schema_round_trips()
    {
        using var model = TinyGpt2.Create(layers: 3);
        Assert.Equal(model.Schema, ModelSchemaReader.Read(ModelSchemaWriter.Write(model.Schema)));
    }

    [Theory]
    [InlineData("", 0, 0, "unexpected end of file")]
    [InlineData("{\n  \"format\": 1\n  \"model\": {}\n}", 2, 2, "expected ',' or '}'")]
    [InlineData("{ \"format\": 2 }", 0, 12, "unknown schema format 2")]
    [InlineData("{ \"format\": 1, \"model\": { \"name\": \"x\" } }", 0, 24, "missing property 'architecture'")]
    [InlineData("{ \"format\": \"1\" }", 0, 12, "'format' must be a number, not a string")]
    [InlineData("{ \"format\": \"1", 0, 12, "unterminated string")]
    [InlineData("{ \"format\": \"a\tb\" }", 0, 14, "control character in a string")]
    [InlineData("{ \"format\": \"a\\qb\" }", 0, 14, "unknown escape")]
    public void Problems_have_line_and_column(string json, int line, int column, string message)
    {
        var e = Assert.Throws<SchemaReadException>(() => ModelSchemaReader.Read(json));

        Assert.Equal(line, e.Problem.Position.Line);
        Assert.Equal(column, e.Problem.Position.Column);
        Assert.Contains(message, e.Problem.Message, System.StringComparison.Ordinal);
        Assert.False(ModelSchemaReader.TryRead(json, out _, out var problem));
        Assert.Equal(e.Problem, problem);
    }

    [Fact]
    public void Strings_with_escapes_are_read()
    {
        var schema = TinyGpt2.Create().Schema with { Name = "a \"quoted\" \\ name\t\u00e9" };
        Assert.Equal(schema.Name, ModelSchemaReader.Read(ModelSchemaWriter.Write(schema)).Name);
    }

    [Theory]
    [InlineData("blocks.5.resid_post", "blocks.5.resid_post")]
    [InlineData(" blocks.5.resid_post ", "blocks.5.resid_post")]
    [InlineData("blocks.5.hook_resid_post", "blocks.5.resid_post")]
    [InlineData("blocks.0.ln1.hook_normalized", "blocks.0.ln1")]
    [InlineData("ln_final.hook_normalized", "ln_final")]
    [InlineData("blocks.2.attn.hook_attn_scores", "blocks.2.attn.scores")]
    [InlineData("blocks.2.attn.attn_scores", "blocks.2.attn.scores")]
    [InlineData("blocks.1.normalized", "blocks.1.normalized")]
    [InlineData("", "")]
    public void Names_are_canonicalized(string name, string canonical) => Assert.Equal(canonical, HookNames.Canonicalize(name));

    [Fact]
    public void A_sidecar_round_trips()
    {
        var text = VectorSidecar.Write("gpt2", new[] { new KeyValuePair<string, IReadOnlyList<int>>("blocks.0.attn.z", new[] { 4, 8 }) });

        var sidecar = VectorSidecar.Read(text);

        Assert.Equal("gpt2", sidecar.Model);
        var vector = Assert.Single(sidecar.Vectors);
        Assert.Equal("blocks.0.attn.z", vector.Hook);
        Assert.Equal(new[] { 4, 8 }, vector.Shape);
    }
}
