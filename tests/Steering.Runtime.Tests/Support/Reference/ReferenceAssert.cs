using System;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Tests.Support.Reference;

/// <summary>Compares what the runtime computed with what the reference computed.</summary>
public static class ReferenceAssert
{
    /// <summary>The tolerance issue 7 sets for fp32 logits against an independent implementation.</summary>
    public const double Fp32Tolerance = 1e-4;

    /// <summary>
    /// The runtime's logits for <paramref name="ids"/> (one sequence, no padding) equal the reference's within
    /// <paramref name="tolerance"/>, and are not trivially small (so the comparison means something).
    /// </summary>
    public static void Logits(HookedTransformer model, ReferenceModel reference, int[] ids, double tolerance = Fp32Tolerance)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reference);
        var expected = reference.Forward(ids).Logits;
        using var scope = NewDisposeScope();
        Close(expected, model.Forward(model.TokenTensor(ids))[0], tolerance, "logits");
        Assert.True(expected.SelectMany(row => row).Max(Math.Abs) > 0.1, "the reference logits are all near zero: nothing is compared");
    }

    /// <summary>
    /// <paramref name="actual"/> ([pos, …], any dtype; trailing dimensions are flattened) equals
    /// <paramref name="expected"/> ([pos][…]) within <paramref name="tolerance"/>; the message names <paramref name="what"/>.
    /// </summary>
    public static void Close(double[][] expected, Tensor actual, double tolerance, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        using var scope = NewDisposeScope();
        var values = actual.reshape(actual.shape[0], -1).to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var width = expected[0].Length;
        Assert.True(actual.shape[0] == expected.Length && values.Length == expected.Length * width,
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected {expected.Length} positions × {width}");
        double largest = 0;
        for (var position = 0; position < expected.Length; position++)
        {
            for (var i = 0; i < width; i++)
                largest = Math.Max(largest, Math.Abs(values[position * width + i] - expected[position][i]));
        }
        Assert.True(largest <= tolerance, $"{what}: largest difference {largest:E3} exceeds {tolerance:E1}");
    }
}
