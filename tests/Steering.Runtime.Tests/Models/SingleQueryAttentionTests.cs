using System;
using Steering.Models;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// The decode-attention kernel against attention written out in float64 from its definition (softmax(q·kᵀ·scale +
/// bias)·v, libtorch in float64 as the independent arithmetic): several sequences, head widths that are and are not
/// multiples of 16, key counts that are not, left padding masked out, a sequence whose every key is masked; and the
/// new key and value land in the cache buffers at the next position; in float32, and in bfloat16 and float16 (the
/// reference then takes the 16-bit operands exactly, and the result may differ by its one rounding to 16 bits). On a
/// CPU without AVX-512 the kernel declines.
/// </summary>
public sealed class SingleQueryAttentionTests
{
    [Theory]
    [InlineData(1, 12, 64, 0, 49)]
    [InlineData(3, 4, 16, 2, 5)]
    [InlineData(2, 3, 24, 0, 17)]
    [InlineData(2, 2, 8, 3, 0)]
    public void Matches_float64_attention_and_writes_the_new_key_and_value(int batch, int heads, int width, int padding, int cached)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 })
            MatchesFloat64Attention(batch, heads, width, padding, cached, dtype);
    }

    private static void MatchesFloat64Attention(int batch, int heads, int width, int padding, int cached, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(7);
        var capacity = cached + 1 + 3;
        var qkv = randn(new long[] { batch, 1, 3L * heads * width }, generator: generator).to(dtype);
        var keys = randn(new long[] { batch, heads, capacity, width }, generator: generator).to(dtype);
        var values = randn(new long[] { batch, heads, capacity, width }, generator: generator).to(dtype);
        // Row 0 has `padding` leading padding positions (as left-padded prompts do; all of them masked when padding
        // exceeds the cache); the others none.
        var isToken = ones(batch, cached + 1, ScalarType.Bool);
        if (padding > 0) isToken[0].narrow(0, 0, Math.Min(padding, cached + 1)).fill_(false);
        var bias = new AttentionMask(isToken, 1, dtype).Bias();
        var scale = 1.0 / Math.Sqrt(width) * 0.9;

        var z = SingleQueryAttention.TryCompute(qkv, keys, values, cached, bias, scale);
        if (z is null)
        {
            Assert.False(SingleQueryAttention.Enabled);
            return;
        }

        var q = qkv.narrow(2, 0, heads * width).view(batch, 1, heads, width).transpose(1, 2).to(ScalarType.Float64);
        var k = qkv.narrow(2, heads * width, heads * width).view(batch, 1, heads, width).transpose(1, 2);
        var v = qkv.narrow(2, 2 * heads * width, heads * width).view(batch, 1, heads, width).transpose(1, 2);
        Assert.True(keys.narrow(2, cached, 1).eq(k).all().item<bool>());
        Assert.True(values.narrow(2, cached, 1).eq(v).all().item<bool>());
        var allKeys = keys.narrow(2, 0, cached + 1).to(ScalarType.Float64);
        var allValues = values.narrow(2, 0, cached + 1).to(ScalarType.Float64);
        var weights = (q.matmul(allKeys.transpose(-1, -2)) * scale + bias.to(ScalarType.Float64)).softmax(-1);
        var expected = weights.matmul(allValues).transpose(1, 2);

        Assert.Equal(new long[] { batch, 1, heads, width }, z.shape);
        Assert.Equal(dtype, z.dtype);
        // float32: rounding order only; 16-bit: one rounding of each result (relative 2⁻⁸ for bfloat16, 2⁻¹¹ for float16).
        var tolerance = dtype switch { ScalarType.Float32 => 1e-5, ScalarType.BFloat16 => 1.0 / 256, _ => 1.0 / 2048 } + 1e-5;
        var error = ((z.to(ScalarType.Float64) - expected).abs() / expected.abs().clamp_min(1.0)).max().item<double>();
        Assert.True(error <= tolerance, $"{dtype}: largest relative error {error:E2}");
    }

    [Fact]
    public void Declines_what_it_does_not_compute()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var keys = zeros(1, 2, 4, 16);
        var bias = zeros(1, 1, 1, 3);
        Assert.Null(SingleQueryAttention.TryCompute(zeros(1, 2, 96), keys, keys, 2, bias, 0.25)); // two new positions
        Assert.Null(SingleQueryAttention.TryCompute(zeros(1, 1, 96, ScalarType.Float64), keys, keys, 2, bias, 0.25));
        Assert.Null(SingleQueryAttention.TryCompute(zeros(1, 1, 96), keys, keys, 3, bias, 0.25)); // bias of the wrong length
        Assert.Null(SingleQueryAttention.TryCompute(zeros(1, 1, 96), keys, keys, 4, zeros(1, 1, 1, 5), 0.25)); // no room
    }
}
