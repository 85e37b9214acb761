namespace Steering.Cli.Tests;

public sealed class VectorEditSpecTests
{
    [Theory]
    [InlineData("blocks.3.resid_pre=love.safetensors", "blocks.3.resid_pre", "love.safetensors", 1.0)]
    [InlineData("blocks.3.hook_resid_pre=dir/love.safetensors*5", "blocks.3.hook_resid_pre", "dir/love.safetensors", 5.0)]
    [InlineData("blocks.0.resid_post = a=b.safetensors * -2.5", "blocks.0.resid_post", "a=b.safetensors", -2.5)]
    [InlineData("hook_embed=v.safetensors*1e-3", "hook_embed", "v.safetensors", 0.001)]
    public void Add_specs_parse(string spec, string hook, string path, double coefficient)
    {
        var parsed = VectorEditSpec.Parse(VectorEditKind.Add, spec);
        Assert.Equal(new VectorEditSpec(VectorEditKind.Add, hook, path, coefficient), parsed);
    }

    [Theory]
    [InlineData("love.safetensors", "no '='")]
    [InlineData("=love.safetensors", "names no hook point")]
    [InlineData("blocks.0.resid_pre=", "names no vector file")]
    [InlineData("blocks.0.resid_pre=*3", "names no vector file")]
    [InlineData("blocks.0.resid_pre=v.safetensors*", "is not a finite number")]
    [InlineData("blocks.0.resid_pre=v.safetensors*big", "is not a finite number")]
    [InlineData("blocks.0.resid_pre=v.safetensors*NaN", "is not a finite number")]
    [InlineData("blocks 0=v.safetensors", "contains a space")]
    public void Malformed_add_specs_fail_with_one_line_saying_what_is_wrong(string spec, string problem)
    {
        var e = Assert.Throws<SteeringException>(() => VectorEditSpec.Parse(VectorEditKind.Add, spec));
        Assert.Contains(problem, e.Message);
        Assert.Contains("HOOK=VECTOR.safetensors[*COEFF]", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Ablate_takes_no_coefficient()
    {
        Assert.Equal(new VectorEditSpec(VectorEditKind.Ablate, "blocks.1.resid_pre", "v.safetensors"),
            VectorEditSpec.Parse(VectorEditKind.Ablate, "blocks.1.resid_pre=v.safetensors"));
        var e = Assert.Throws<SteeringException>(() => VectorEditSpec.Parse(VectorEditKind.Ablate, "blocks.1.resid_pre=v.safetensors*2"));
        Assert.Contains("ablation takes none", e.Message);
    }

    [Theory]
    [InlineData("464,3290,389", new[] { 464, 3290, 389 })]
    [InlineData(" 1, 2 ,3 ", new[] { 1, 2, 3 })]
    [InlineData("7 8", new[] { 7, 8 })]
    public void Token_id_lists_parse(string text, int[] ids) => Assert.Equal(ids, TokenIdList.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("1,x")]
    [InlineData("1,-2")]
    [InlineData("99999999999")]
    public void Bad_token_id_lists_fail(string text) => Assert.Throws<SteeringException>(() => TokenIdList.Parse(text));
}
