using System;
using System.Linq;
using Steering.Models.Gpt2;
using Steering.Tests.Support;
using Steering.Tests.Support.Reference;
using static TorchSharp.torch;

namespace Steering.Tests.Reference;

/// <summary>
/// The reference's GPT-2 against the runtime's Gpt2Model, which is validated by hand-computed tests of its own: two
/// implementations that share no code agreeing to 1e-4 cross-checks the reference's loading, attention and norms.
/// </summary>
public sealed class ReferenceGpt2CrossCheckTests
{
    private static readonly int[] Ids = [5, 17, 3, 200, 42, 42, 9, 130, 7, 1, 250, 64];

    [Fact]
    public void Reference_gpt2_equals_the_runtime_on_the_test_suites_tiny_gpt2()
    {
        using var folder = new TempDirectory();
        TinyGpt2.Write(folder.Path);
        AssertSameLogits(folder.Path, [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reference_gpt2_equals_the_runtime_on_a_random_checkpoint_with_large_weights(bool bfloat16)
    {
        using var folder = new TempDirectory();
        RandomCheckpoint.Write(folder.Path, ReferenceFamily.Gpt2, seed: 7, storeAs: bfloat16 ? ScalarType.BFloat16 : null);
        AssertSameLogits(folder.Path, Ids);
    }

    private static void AssertSameLogits(string folder, int[] ids)
    {
        var reference = ReferenceModel.Load(folder).Forward(ids);
        using var model = Gpt2Model.Load(folder);
        using var scope = NewDisposeScope();
        var logits = model.Forward(model.TokenTensor(ids))[0].to(ScalarType.Float64).contiguous();
        var actual = logits.data<double>().ToArray();
        var vocab = reference.Logits[0].Length;
        Assert.Equal(ids.Length * vocab, actual.Length);

        var largest = 0.0;
        for (var position = 0; position < ids.Length; position++)
        {
            for (var token = 0; token < vocab; token++)
            {
                largest = Math.Max(largest, Math.Abs(actual[position * vocab + token] - reference.Logits[position][token]));
            }
        }
        Assert.True(largest <= 1e-4, $"largest logit difference {largest:E3}");
        // The check means something only if the logits do: random GPT-2 weights must not give near-zero logits.
        Assert.True(reference.Logits.SelectMany(row => row).Max(Math.Abs) > 0.1);
    }
}
