using System;
using System.Runtime.InteropServices;
using Steering.Models;
using Steering.Models.Decoder;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// The decode-attention kernel against attention written out in float64 from its definition — rotary embedding
/// x·cos + rotate_half(x)·sin, query head h reading key/value head ⌊h / group⌋, softmax(softcap(q·kᵀ·scale) + bias)·v —
/// with libtorch in float64 as the independent arithmetic: several sequences, grouped key/value heads (groups of 1, 2
/// and 4), head widths that are and are not multiples of 16, key counts that are not, left padding, sliding windows, a
/// soft cap, a sequence whose every key is masked; the new key (rotated) and value land in the cache buffers at the
/// next position, bit-identical to what libtorch's rotary embedding gives. On a CPU without AVX-512 the kernel declines.
/// </summary>
public sealed class SingleQueryAttentionTests
{
    [Theory]
    // batch, heads, kv heads, width, padding of row 0, cached, sliding window, soft cap, rotary
    [InlineData(1, 12, 12, 64, 0, 49, 0, 0.0, false)] // GPT-2 small's shape
    [InlineData(1, 32, 8, 64, 0, 40, 0, 0.0, true)] // Llama-3.2-1B's heads
    [InlineData(3, 4, 2, 16, 2, 5, 0, 0.0, true)]
    [InlineData(2, 4, 1, 24, 0, 17, 4, 0.0, true)] // Mistral-like: one key/value head, a window
    [InlineData(2, 4, 2, 16, 1, 9, 3, 2.0, true)] // Gemma-2-like: window and soft cap
    [InlineData(2, 2, 2, 8, 3, 0, 0, 0.0, false)] // every key of row 0 masked
    [InlineData(2, 8, 2, 12, 0, 20, 0, 5.0, false)]
    public void Matches_float64_attention_and_writes_the_new_key_and_value(
        int batch, int heads, int kvHeads, int width, int padding, int cached, int window, double softcap, bool rotary)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(7);
        var setup = new Setup(batch, heads, kvHeads, width, padding, cached, window, softcap, rotary, ScalarType.Float32, generator);

        var z = setup.Run();
        if (z is null)
        {
            Assert.False(SingleQueryAttention.Enabled);
            return;
        }

        Assert.Equal(new long[] { batch, 1, heads, width }, z.shape);
        var error = (z.to(ScalarType.Float64) - setup.Expected()).abs().max().item<double>();
        Assert.True(error <= 1e-5, $"largest error {error:E2}");
        setup.AssertCacheWrites();
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, 1, 32, 8, 64, 0, 30, 0, 0.0)]
    [InlineData(ScalarType.BFloat16, 2, 4, 2, 16, 1, 9, 3, 2.0)]
    [InlineData(ScalarType.Float16, 2, 4, 1, 24, 2, 11, 0, 0.0)]
    public void Sixteen_bit_inputs_match_float64_attention_of_the_same_values(
        ScalarType dtype, int batch, int heads, int kvHeads, int width, int padding, int cached, int window, double softcap)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(11);
        var setup = new Setup(batch, heads, kvHeads, width, padding, cached, window, softcap, rotary: true, dtype, generator);

        var z = setup.Run();
        if (z is null)
        {
            Assert.False(SingleQueryAttention.Enabled);
            return;
        }

        Assert.Equal(dtype, z.dtype);
        // The float64 reference starts from the same 16-bit values; the kernel rounds the rotated q and k and z to the
        // dtype (relative 2⁻⁸ for bfloat16), scores and weights stay float32.
        var error = (z.to(ScalarType.Float64) - setup.Expected()).abs().max().item<double>();
        Assert.True(error <= (dtype == ScalarType.BFloat16 ? 3e-2 : 4e-3), $"largest error {error:E2}");
        setup.AssertCacheWrites();
    }

    [Fact]
    public void Rounding_to_sixteen_bits_is_libtorchs_cast()
    {
        // Random values over many magnitudes, exact halfway cases of both types, overflow, subnormals, ±∞ and NaN.
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var random = randn(new long[] { 4096 }, generator: generator) * pow(10.0, randn(new long[] { 4096 }, generator: generator) * 3);
        float[] special = { 1f + (1f / 256), 1f + (3f / 256), 1f + (1f / 2048), 1f + (3f / 2048), 70000f, 3.4e38f, 1e-39f, 3e-8f, -0f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN };
        var values = cat(new[] { random, tensor(special) }).data<float>().ToArray();
        var bfloat16 = MemoryMarshal.Cast<byte, ushort>(tensor(values).to(ScalarType.BFloat16).bytes).ToArray();
        var float16 = MemoryMarshal.Cast<byte, ushort>(tensor(values).to(ScalarType.Float16).bytes).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                // libtorch's scalar and vector casts write different NaN bits (0x7FC0, 0xFFFF); any NaN is right.
                Assert.True(float.IsNaN(BFloat16Elements.Scalar(BFloat16Elements.Round(values[i]))));
                Assert.True(float.IsNaN(Float16Elements.Scalar(Float16Elements.Round(values[i]))));
                continue;
            }
            Assert.Equal(bfloat16[i], BFloat16Elements.Round(values[i]));
            Assert.Equal(float16[i], Float16Elements.Round(values[i]));
        }
    }

    [Fact]
    public void Declines_what_it_does_not_compute()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var keys = zeros(1, 2, 4, 16);
        var bias = zeros(1, 1, 1, 3);
        SingleQuery Step(Tensor qkv, Tensor mask, long kvHeads = 2) =>
            new(1, 2, kvHeads, 16, new NewHeads(qkv, 0, 96), new NewHeads(qkv, 32, 96), new NewHeads(qkv, 64, 96), mask, 0.25, null, null);
        Assert.Null(SingleQueryAttention.TryCompute(Step(zeros(1, 1, 96, ScalarType.Float64), bias), keys, keys, 2)); // float64
        Assert.Null(SingleQueryAttention.TryCompute(Step(zeros(1, 1, 96), bias), keys, keys, 3)); // bias of the wrong length
        Assert.Null(SingleQueryAttention.TryCompute(Step(zeros(1, 1, 96), zeros(1, 1, 1, 5)), keys, keys, 4)); // no room
        Assert.Null(SingleQueryAttention.TryCompute(Step(zeros(1, 1, 80), bias), keys, keys, 2)); // the value heads overrun the row
        Assert.Null(SingleQueryAttention.TryCompute(Step(zeros(1, 1, 96), bias, kvHeads: 3), keys, keys, 2)); // 3 does not divide 2 heads
        Assert.Null(SingleQueryAttention.TryCompute(Step(zeros(1, 1, 96), bias.to(ScalarType.BFloat16)), keys, keys, 2)); // mixed dtypes
    }

    /// <summary>Random inputs in <c>dtype</c> for one decode step, the kernel's run on them, and the float64 reference.</summary>
    private sealed class Setup
    {
        private readonly int _batch, _heads, _kvHeads, _width, _cached;
        private readonly double _softcap;
        private readonly double _scale;
        private readonly Tensor _q, _k, _v, _keys, _values, _originalKeys, _originalValues, _bias;
        private readonly (Tensor Cos, Tensor Sin)? _angles;

        public Setup(int batch, int heads, int kvHeads, int width, int padding, int cached, int window, double softcap, bool rotary, ScalarType dtype, Generator generator)
        {
            (_batch, _heads, _kvHeads, _width, _cached, _softcap) = (batch, heads, kvHeads, width, cached, softcap);
            var capacity = cached + 1 + 3;
            _q = randn(new long[] { batch, 1, heads * width }, generator: generator).to(dtype);
            _k = randn(new long[] { batch, 1, kvHeads * width }, generator: generator).to(dtype);
            _v = randn(new long[] { batch, 1, kvHeads * width }, generator: generator).to(dtype);
            _keys = randn(new long[] { batch, kvHeads, capacity, width }, generator: generator).to(dtype);
            _values = randn(new long[] { batch, kvHeads, capacity, width }, generator: generator).to(dtype);
            _originalKeys = _keys.clone();
            _originalValues = _values.clone();
            // Row 0 has `padding` leading padding positions (as left-padded prompts do; all of them masked when padding
            // exceeds the cache); the others none.
            var isToken = ones(batch, cached + 1, ScalarType.Bool);
            if (padding > 0) isToken[0].narrow(0, 0, Math.Min(padding, cached + 1)).fill_(false);
            _bias = new AttentionMask(isToken, 1, dtype).Bias(window > 0 ? window : null);
            _scale = 1.0 / Math.Sqrt(width) * 0.9;
            if (rotary)
            {
                // Positions differ per row (as with left padding); angles position × θ^(−2i/d), duplicated over both halves.
                var positions = arange(batch, ScalarType.Float64).mul(3).add(cached).view(batch, 1, 1, 1);
                var frequencies = arange(width / 2, ScalarType.Float64).mul(-2.0 / width * Math.Log(10000.0)).exp().view(1, 1, 1, -1);
                var angles = cat(new[] { positions * frequencies, positions * frequencies }, -1);
                _angles = (angles.cos().to(dtype), angles.sin().to(dtype));
            }
        }

        public Tensor? Run() => SingleQueryAttention.TryCompute(
            new SingleQuery(_batch, _heads, _kvHeads, _width, NewHeads.Of(_q), NewHeads.Of(_k), NewHeads.Of(_v), _bias, _scale,
                _softcap > 0 ? _softcap : null, _angles),
            _keys, _values, _cached);

        /// <summary>z [batch, 1, heads, width] in float64 from the definition.</summary>
        public Tensor Expected()
        {
            var q = Rotated(_q.to(ScalarType.Float64).view(_batch, 1, _heads, _width)).transpose(1, 2);
            var k = Rotated(_k.to(ScalarType.Float64).view(_batch, 1, _kvHeads, _width)).transpose(1, 2);
            var keys = cat(new[] { _originalKeys.narrow(2, 0, _cached).to(ScalarType.Float64), k }, 2);
            var values = cat(new[] { _originalValues.narrow(2, 0, _cached).to(ScalarType.Float64), _v.to(ScalarType.Float64).view(_batch, 1, _kvHeads, _width).transpose(1, 2) }, 2);
            // Query head h reads key/value head ⌊h / group⌋.
            var kvHead = arange(_heads, ScalarType.Int64).div(_heads / _kvHeads, rounding_mode: RoundingMode.floor);
            keys = keys.index_select(1, kvHead);
            values = values.index_select(1, kvHead);
            var scores = q.matmul(keys.transpose(-1, -2)) * _scale;
            if (_softcap > 0) scores = (scores / _softcap).tanh() * _softcap;
            var weights = (scores + _bias.to(ScalarType.Float64)).softmax(-1);
            return weights.matmul(values).transpose(1, 2);
        }

        /// <summary>The new (rotated) key and value at the next position, bit-identical to libtorch's rotary embedding; nothing else touched.</summary>
        public void AssertCacheWrites()
        {
            var k = _k.view(_batch, 1, _kvHeads, _width);
            if (_angles is { } angles) k = RotaryEmbedding.Apply(k, angles);
            Assert.True(_keys.narrow(2, _cached, 1).eq(k.transpose(1, 2)).all().item<bool>());
            Assert.True(_values.narrow(2, _cached, 1).eq(_v.view(_batch, 1, _kvHeads, _width).transpose(1, 2)).all().item<bool>());
            Assert.True(_keys.narrow(2, 0, _cached).eq(_originalKeys.narrow(2, 0, _cached)).all().item<bool>());
            Assert.True(_values.narrow(2, 0, _cached).eq(_originalValues.narrow(2, 0, _cached)).all().item<bool>());
        }

        private Tensor Rotated(Tensor x)
        {
            if (_angles is not { } angles) return x;
            var half = _width / 2;
            var rotated = cat(new[] { -x.narrow(-1, half, half), x.narrow(-1, 0, half) }, -1);
            return (x * angles.Cos.to(ScalarType.Float64)) + (rotated * angles.Sin.to(ScalarType.Float64));
        }
    }
}
