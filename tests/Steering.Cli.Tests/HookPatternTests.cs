namespace Steering.Cli.Tests;

public sealed class HookPatternTests
{
    [Theory]
    [InlineData("blocks.5.resid_post", new[] { "blocks.5.resid_post" })]
    [InlineData("blocks.{1..3}.resid_pre", new[] { "blocks.1.resid_pre", "blocks.2.resid_pre", "blocks.3.resid_pre" })]
    [InlineData("blocks.{2..0}.mlp_out", new[] { "blocks.2.mlp_out", "blocks.1.mlp_out", "blocks.0.mlp_out" })]
    [InlineData("blocks.1.{attn_out,mlp_out}", new[] { "blocks.1.attn_out", "blocks.1.mlp_out" })]
    [InlineData("blocks.{0..1}.{attn_out,mlp_out}", new[] { "blocks.0.attn_out", "blocks.0.mlp_out", "blocks.1.attn_out", "blocks.1.mlp_out" })]
    [InlineData("embed, blocks.{0..1}.resid_pre ,blocks.0.resid_pre", new[] { "embed", "blocks.0.resid_pre", "blocks.1.resid_pre" })]
    public void Braces_expand_like_a_shell(string pattern, string[] expected) =>
        Assert.Equal(expected, HookPattern.Expand(pattern));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("blocks.{1..3.resid_pre", "without a '}'")]
    [InlineData("blocks.1}.resid_pre", "without a '{'")]
    [InlineData("blocks.{1..x}.resid_pre", "not a range of two integers")]
    [InlineData("blocks.{a,,b}", "empty choice")]
    [InlineData("a,,b", "empty name between commas")]
    [InlineData("blocks.{{1..2}}", "nests braces")]
    public void Malformed_patterns_say_what_is_wrong(string pattern, string message) =>
        Assert.Contains(message, Assert.Throws<SteeringException>(() => HookPattern.Expand(pattern)).Message);
}
