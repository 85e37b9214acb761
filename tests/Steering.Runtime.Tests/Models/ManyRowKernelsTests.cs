using Steering.Models.Kernels;
using static Steering.Tests.Models.CpuLinearTests;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// The many-row (prompt) products of <see cref="CpuLinear"/> — <see cref="ManyRowKernels"/> — against float64 products
/// of the same operands (libtorch in float64 is the independent arithmetic): both weight layouts, with and without bias,
/// ragged shapes (rows not a multiple of the 8-row tile, inputs not a multiple of 16 or of the 256-input block, outputs
/// not a multiple of the 48-column tile or of the 480-column block), float32 and float16 weights, and split over threads
/// (equal to the unsplit product bit for bit). On a CPU without AVX-512 every case is libtorch's, and the same
/// assertions hold.
/// </summary>
public sealed class ManyRowKernelsTests
{
    /// <summary>(rows, inputs, outputs): each ragged in a different place; 257 and 600 inputs cross input blocks, 530 and 1000 outputs column blocks.</summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 9, 17, 49 },
        { 13, 300, 100 },
        { 16, 16, 16 },
        { 24, 5, 3 },
        { 64, 257, 530 },
        { 128, 768, 96 },
        { 131, 600, 1000 },
        { 300, 33, 47 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_products_match_float64_in_both_layouts(int rows, int inFeatures, int outFeatures)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, ScalarType.Float32);
        var inOut = weight.t().contiguous();
        // Summation order only: float32 rounding of sums of up to 600 products.
        AssertClose(CpuLinearTests.Reference(x, weight, bias), CpuLinear.Linear(x, weight, bias, threads: 1), 1e-5);
        AssertClose(CpuLinearTests.Reference(x, weight, null), CpuLinear.Linear(x, weight, null, threads: 1), 1e-5);
        AssertClose(CpuLinearTests.Reference(x, weight, bias), CpuLinear.Conv1D(x, inOut, bias, threads: 1), 1e-5);
    }

    [Theory]
    [InlineData(9, 40, 33)]
    [InlineData(70, 300, 130)]
    public void Float16_products_are_float64_products_of_the_float16_operands_rounded_once(int rows, int inFeatures, int outFeatures)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, weight, bias) = Operands(rows, inFeatures, outFeatures, ScalarType.Float16);
        var expected = CpuLinearTests.Reference(x, weight, bias);
        var linear = CpuLinear.Linear(x, weight, bias, threads: 1);
        Assert.Equal(ScalarType.Float16, linear.dtype);
        // One rounding to float16 (11 significant bits): within 2⁻¹¹ of the exact value, relative.
        AssertClose(expected, linear, 1.0 / 2048);
        AssertClose(expected, CpuLinear.Conv1D(x, weight.t().contiguous(), bias, threads: 1), 1.0 / 2048);
    }

    [Fact]
    public void Splitting_over_threads_changes_no_bit()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // GPT-2-small's c_attn at 128 rows less two (226 M multiply-adds: up to 6 parts), 1030 outputs: parts end
        // mid-block and the last one in a partial tile.
        foreach (var (rows, outFeatures) in new[] { (126, 2304), (200, 1030) })
        {
            var (x, weight, bias) = Operands(rows, 768, outFeatures, ScalarType.Float32);
            var inOut = weight.t().contiguous();
            var linear = CpuLinear.Linear(x, weight, bias, threads: 1);
            var conv = CpuLinear.Conv1D(x, inOut, bias, threads: 1);
            AssertClose(CpuLinearTests.Reference(x, weight, bias), linear, 1e-5);
            foreach (var threads in new[] { 2, 3 })
            {
                Assert.True(linear.eq(CpuLinear.Linear(x, weight, bias, threads)).all().item<bool>());
                Assert.True(conv.eq(CpuLinear.Conv1D(x, inOut, bias, threads)).all().item<bool>());
            }
        }
    }

    [Fact]
    public void Leading_dimensions_are_kept_and_strided_inputs_are_read_as_their_values()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, weight, bias) = Operands(40, 24, 50, ScalarType.Float32);
        var y = CpuLinear.Linear(x.view(2, 20, 24), weight, bias, threads: 1);
        Assert.Equal(new long[] { 2, 20, 50 }, y.shape);
        AssertClose(CpuLinearTests.Reference(x, weight, bias).view(2, 20, 50), y, 1e-5);
        // Every other row: a strided view, copied before it is read.
        AssertClose(CpuLinearTests.Reference(x, weight, bias).view(20, 2, 50).select(1, 0), CpuLinear.Linear(x.view(20, 2, 24).select(1, 0), weight, bias, threads: 1), 1e-5);
    }

    private static (Tensor X, Tensor Weight, Tensor Bias) Operands(int rows, int inFeatures, int outFeatures, ScalarType dtype)
    {
        var (x, weight, bias) = CpuLinearTests.Operands(rows, inFeatures, outFeatures, withBias: true, dtype);
        return (x, weight, bias!);
    }
}
