using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// The decode-step kernels against float64 products of the same operands (libtorch in float64 is the independent
/// arithmetic): both weight layouts, every row count they take, ragged shapes (a last group of fewer than four weight
/// rows, an input width that is not a multiple of 16), with and without bias, float32 and bfloat16 weights, split over
/// threads; and the cases they must leave to libtorch. On a CPU without AVX-512 every case is libtorch's, and the
/// same assertions hold.
/// </summary>
public sealed class CpuLinearTests
{
    [Theory]
    [InlineData(1, 37, 13, true)]
    [InlineData(2, 37, 13, false)]
    [InlineData(3, 64, 7, true)]
    [InlineData(4, 80, 70, true)]
    [InlineData(5, 16, 1, false)]
    [InlineData(8, 131, 1030, true)]
    [InlineData(6, 48, 9, true)]
    [InlineData(7, 33, 17, false)]
    [InlineData(8, 768, 37, true)]
    public void Float32_products_match_float64_in_both_layouts(int rows, int inFeatures, int outFeatures, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, withBias, ScalarType.Float32);
        var expected = Reference(x, weight, bias);

        var linear = CpuLinear.Linear(x, weight, bias, threads: 1);
        Assert.Equal(new long[] { rows, outFeatures }, linear.shape);
        Assert.Equal(ScalarType.Float32, linear.dtype);
        AssertClose(expected, linear, 1e-5);
        if (bias is not null)
            AssertClose(expected, CpuLinear.Conv1D(x, weight.t().contiguous(), bias, threads: 1), 1e-5);
    }

    [Theory]
    [InlineData(1, 96, 45)]
    [InlineData(1, 40, 33)]
    [InlineData(6, 40, 33)]
    public void BFloat16_products_are_float64_products_of_the_bfloat16_operands_rounded_once(int rows, int inFeatures, int outFeatures)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, withBias: true, ScalarType.BFloat16);
        var expected = Reference(x, weight, bias);

        var linear = CpuLinear.Linear(x, weight, bias, threads: 1);
        var conv = CpuLinear.Conv1D(x, weight.t().contiguous(), bias!, threads: 1);
        Assert.Equal(ScalarType.BFloat16, linear.dtype);
        // One rounding to bfloat16 (8 significant bits): within 2⁻⁸ of the exact value, relative.
        AssertClose(expected, linear, 1.0 / 256);
        AssertClose(expected, conv, 1.0 / 256);
    }

    /// <summary>
    /// Every row count the kernels take, against both weight layouts, with input widths that leave a tail after the
    /// 16-wide vectors and output widths below, at and beyond the 48-column strips of the [in, out] kernel (with a
    /// remainder), for every weight type (a row group of 3, 5, 6 or 7 reads a repeated or zero row it does not store).
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Every_row_count_matches_float64_with_ragged_tails(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (rows, inFeatures, outFeatures) in Cases(dtype, (57, 23), (64, 1), (16, 50), (5, 3), (96, 7), (131, 4), (40, 96), (33, 161)))
        {
            var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, withBias: true, dtype);
            var expected = Reference(x, weight, bias);
            var tolerance = Tolerance(dtype);
            AssertClose(expected, CpuLinear.Linear(x, weight, bias, threads: 1), tolerance);
            AssertClose(Reference(x, weight, null), CpuLinear.Linear(x, weight, null, threads: 1), tolerance);
            AssertClose(expected, CpuLinear.Conv1D(x, weight.t().contiguous(), bias!, threads: 1), tolerance);
        }
    }

    /// <summary>
    /// 16-bit products are the float32 products of the same (widened) operands rounded once, as libtorch's
    /// <c>to(dtype)</c> rounds: bit-for-bit equal to the float32 kernels' result converted by libtorch, every row count,
    /// both layouts, ragged shapes (the kernels write 16-bit outputs themselves, through vector and scalar stores).
    /// </summary>
    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Sixteen_bit_products_are_float32_products_rounded_as_libtorch_rounds(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (rows, inFeatures, outFeatures) in Cases(dtype, (57, 23), (16, 50), (96, 7), (40, 96), (33, 161), (768, 4100)))
        {
            var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, withBias: true, dtype);
            var (x32, weight32, bias32) = (x.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias!.to(ScalarType.Float32));
            AssertSameBits(CpuLinear.Linear(x32, weight32, bias32, threads: 1).to(dtype), CpuLinear.Linear(x, weight, bias, threads: 1));
            AssertSameBits(CpuLinear.Linear(x32, weight32, null, threads: 1).to(dtype), CpuLinear.Linear(x, weight, null, threads: 1));
            AssertSameBits(CpuLinear.Conv1D(x32, weight32.t().contiguous(), bias32, threads: 1).to(dtype), CpuLinear.Conv1D(x, weight.t().contiguous(), bias, threads: 1));
        }
    }

    /// <summary>
    /// The bfloat16 rounding against libtorch's float32 → bfloat16 conversion on every upper half (sign, exponent and the
    /// 7 kept mantissa bits: zeros, subnormals, normals, infinities) with lower halves at and around the tie, its
    /// neighbours and random ones — bit-for-bit, through the vector store and the scalar one; NaNs stay NaNs.
    /// </summary>
    [Fact]
    public void BFloat16_rounding_is_libtorchs_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        var random = new Random(5);
        var lowers = new uint[] { 0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, (uint)random.Next(0x10000), (uint)random.Next(0x10000) };
        var bits = new uint[(1 << 16) * lowers.Length];
        for (var upper = 0u; upper < 1 << 16; upper++)
        {
            for (var l = 0; l < lowers.Length; l++) bits[upper * lowers.Length + l] = upper << 16 | lowers[l];
        }
        var floats = MemoryMarshal.Cast<uint, float>(bits).ToArray();
        var expected = MemoryMarshal.Cast<byte, ushort>(tensor(floats).to(ScalarType.BFloat16).bytes).ToArray();
        var vector = new ushort[floats.Length];
        unsafe
        {
            fixed (float* from = floats)
            fixed (ushort* to = vector)
            {
                for (var i = 0; i < floats.Length; i += 16)
                    BFloat16Elements.Store16(System.Runtime.Intrinsics.Vector512.Load(from + i), to + i);
            }
        }
        for (var i = 0; i < floats.Length; i++)
        {
            var scalar = BFloat16Elements.Round(floats[i]);
            if (float.IsNaN(floats[i]))
            {
                Assert.True(float.IsNaN(BFloat16Elements.Scalar(vector[i])) && float.IsNaN(BFloat16Elements.Scalar(scalar)), $"0x{bits[i]:X8} is NaN");
                continue;
            }
            Assert.True(expected[i] == vector[i] && expected[i] == scalar, $"0x{bits[i]:X8}: libtorch 0x{expected[i]:X4}, vector 0x{vector[i]:X4}, scalar 0x{scalar:X4}");
        }
    }

    /// <summary>
    /// The float16 weight reader widens all 65536 bit patterns exactly — normals, subnormals, ±0, ±∞ and NaNs — compared
    /// with .NET's scalar <see cref="System.Half"/> conversion, through a product: weight [65536, 1] against x = 1.
    /// </summary>
    [Fact]
    public void Float16_weights_are_widened_exactly_for_every_bit_pattern()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // 64 inputs, so the vector loops (not the scalar tails) read each pattern: weight row o holds pattern o in
        // column `column` and zeros elsewhere (written through the tensor's bytes), and x is 1 there: two columns, in
        // both layouts, one and two rows (each a different kernel).
        foreach (var column in new[] { 0, 17 })
        {
            var halves = zeros(new long[] { 1 << 16, 64 }, ScalarType.Float16);
            var raw = MemoryMarshal.Cast<byte, ushort>(halves.bytes);
            for (var bits = 0; bits < 1 << 16; bits++) raw[bits * 64 + column] = (ushort)bits;
            foreach (var rows in new[] { 1, 2 })
            {
                var x = zeros(new long[] { rows, 64 }, ScalarType.Float16);
                x[.., column] = tensor(1f).to(ScalarType.Float16);
                AssertWidenedExactly(CpuLinear.Linear(x, halves, null, threads: 1));
                AssertWidenedExactly(CpuLinear.Conv1D(x, halves.t().contiguous(), zeros(1 << 16, ScalarType.Float16), threads: 1));
            }
        }

        static void AssertWidenedExactly(Tensor y)
        {
            var actual = y.to(ScalarType.Float32).reshape(-1, 1 << 16).select(0, y.shape[0] - 1).data<float>().ToArray();
            for (var bits = 0; bits < 1 << 16; bits++)
            {
                var expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
                // Equal (a sum of products has no sign of zero to keep), or NaN for NaN.
                Assert.True(float.IsNaN(expected) ? float.IsNaN(actual[bits]) : expected == actual[bits],
                    $"float16 bits 0x{bits:X4}: {actual[bits]} instead of {expected}");
            }
        }
    }

    /// <summary>
    /// Split over 2 or 3 threads, every product is bit for bit the one thread's: output columns in whole 48-column
    /// strips, and one-row [in, out] products in chunks of weight rows fixed by the shape (GPT-2-small's c_attn shape:
    /// 8 chunks), for every weight type and row count the kernels split differently (1, 3 and 8 rows).
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Splitting_over_threads_changes_no_bit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var rows in new[] { 1, 3, 8 })
        {
            if (rows > (dtype == ScalarType.BFloat16 ? CpuLinear.MaxBFloat16Rows : CpuLinear.MaxRows)) continue;
            foreach (var (inFeatures, outFeatures) in new[] { (768, 2304), (1001, 333) })
            {
                var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, withBias: true, dtype);
                var inOut = weight.t().contiguous();
                var linear = CpuLinear.Linear(x, weight, bias, threads: 1);
                var conv = CpuLinear.Conv1D(x, inOut, bias!, threads: 1);
                foreach (var threads in new[] { 2, 3 })
                {
                    Assert.True(linear.eq(CpuLinear.Linear(x, weight, bias, threads)).all().item<bool>(), $"[out, in], {rows} rows, {threads} threads");
                    Assert.True(conv.eq(CpuLinear.Conv1D(x, inOut, bias!, threads)).all().item<bool>(), $"[in, out], {rows} rows, {threads} threads");
                }
            }
        }
    }

    /// <summary>
    /// One row against [in, out] weights large enough to be summed in chunks of weight rows (2 and 8 chunks, the last
    /// one shorter, output widths with a tail after the 16-wide vectors), against float64, for every weight type.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void One_row_products_summed_in_chunks_of_weight_rows_match_float64(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (inFeatures, outFeatures) in new[] { (1001, 333), (3001, 400) })
        {
            var (x, weight, bias) = Operands(1, inFeatures, outFeatures, withBias: true, dtype);
            AssertClose(Reference(x, weight, bias), CpuLinear.Conv1D(x, weight.t().contiguous(), bias!, threads: 2), Tolerance(dtype));
        }
    }

    [Fact]
    public void Leading_dimensions_are_kept_and_views_read_from_where_they_start()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, weight, bias) = Operands(6, 24, 10, withBias: true, ScalarType.Float32);
        var y = CpuLinear.Linear(x.narrow(0, 2, 4).view(2, 2, 24), weight, bias, threads: 1);
        Assert.Equal(new long[] { 2, 2, 10 }, y.shape);
        AssertClose(Reference(x, weight, bias).narrow(0, 2, 4).view(2, 2, 10), y, 1e-5);
        // A strided view (every other row) is copied, not read as if it were dense.
        AssertClose(Reference(x, weight, bias).view(3, 2, 10).select(1, 0), CpuLinear.Linear(x.view(3, 2, 24).select(1, 0), weight, bias, threads: 1), 1e-5);
    }

    [Fact]
    public void Left_to_libtorch_for_float64_bfloat16_rows_and_when_a_graph_is_needed()
    {
        using var scope = NewDisposeScope();
        var (_, weight, bias) = Operands(1, 32, 20, withBias: true, ScalarType.Float32);
        foreach (var rows in new[] { 2, 9, 40 })
        {
            var bf16 = Operands(rows, 32, 20, withBias: true, ScalarType.BFloat16);
            using (no_grad())
                Assert.True(CpuLinear.Linear(bf16.X, bf16.Weight, bf16.Bias, 1).eq(nn.functional.linear(bf16.X, bf16.Weight, bf16.Bias)).all().item<bool>());
        }

        var doubles = Operands(1, 32, 20, withBias: true, ScalarType.Float64);
        using (no_grad())
            Assert.True(CpuLinear.Linear(doubles.X, doubles.Weight, doubles.Bias, 1).eq(nn.functional.linear(doubles.X, doubles.Weight, doubles.Bias)).all().item<bool>());

        // One row (the few-row kernels' range) and 9 (the many-row kernels').
        foreach (var rows in new[] { 1, 9 })
        {
            var input = Operands(rows, 32, 20, withBias: true, ScalarType.Float32).X.requires_grad_();
            var output = CpuLinear.Linear(input, weight, bias, 1);
            Assert.True(output.requires_grad);
            output.sum().backward();
            AssertClose(weight.sum(0, keepdim: true).expand(rows, 32).to(ScalarType.Float64), input.grad!, 1e-5);
        }
    }

    internal static (Tensor X, Tensor Weight, Tensor? Bias) Operands(int rows, int inFeatures, int outFeatures, bool withBias, ScalarType dtype)
    {
        using var generator = new Generator(17);
        var x = randn(new long[] { rows, inFeatures }, generator: generator).to(dtype);
        var weight = (randn(new long[] { outFeatures, inFeatures }, generator: generator) * 0.1).to(dtype);
        var bias = withBias ? randn(new long[] { outFeatures }, generator: generator).to(dtype) : null;
        return (x, weight, bias);
    }

    /// <summary>Every row count the kernels take for <paramref name="dtype"/>, with each of the (in, out) shapes.</summary>
    private static IEnumerable<(int Rows, int InFeatures, int OutFeatures)> Cases(ScalarType dtype, params (int In, int Out)[] shapes)
    {
        var maxRows = dtype == ScalarType.BFloat16 ? CpuLinear.MaxBFloat16Rows : CpuLinear.MaxRows;
        for (var rows = 1; rows <= maxRows; rows++)
        {
            foreach (var (inFeatures, outFeatures) in shapes) yield return (rows, inFeatures, outFeatures);
        }
    }

    private static void AssertSameBits(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.True(expected.bytes.SequenceEqual(actual.bytes), "the 16-bit results differ from the float32 results rounded by libtorch");
    }

    /// <summary>float32: summation order only; 16-bit: one rounding of the result (8 significant bits for bfloat16, 11 for float16).</summary>
    private static double Tolerance(ScalarType dtype) => dtype switch { ScalarType.Float32 => 1e-5, ScalarType.BFloat16 => 1.0 / 256, _ => 1.0 / 2048 };

    internal static Tensor Reference(Tensor x, Tensor weight, Tensor? bias) =>
        nn.functional.linear(x.to(ScalarType.Float64), weight.to(ScalarType.Float64), bias?.to(ScalarType.Float64));

    /// <summary>|actual − expected| ≤ tolerance · max(1, |expected|) elementwise.</summary>
    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = (actual.to(ScalarType.Float64) - expected).abs() / expected.abs().clamp_min(1.0);
        var worst = error.max().item<double>();
        Assert.True(worst <= tolerance, $"largest relative error {worst:E2} exceeds {tolerance:E2}");
        Assert.False(actual.isnan().any().item<bool>());
    }
}
