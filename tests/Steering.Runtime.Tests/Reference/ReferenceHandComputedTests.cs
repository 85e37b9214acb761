using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using Steering.Tests.Support.Reference;

namespace Steering.Tests.Reference;

/// <summary>The reference implementation's pieces and a whole tiny model, against numbers worked out by hand.</summary>
public sealed class ReferenceHandComputedTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void RmsNorm_divides_by_the_root_mean_square_and_scales_by_w_or_one_plus_w()
    {
        // x = (3, 4): mean of squares 12.5, root 3.5355339…
        var rms = Math.Sqrt(12.5);
        AssertClose([3 / rms, 2 * 4 / rms], ReferenceMath.RmsNorm([3, 4], [1, 2], 0, onePlusWeight: false));
        AssertClose([2 * 3 / rms, 3 * 4 / rms], ReferenceMath.RmsNorm([3, 4], [1, 2], 0, onePlusWeight: true));
        // eps joins the mean of squares under the root.
        AssertClose([3 / Math.Sqrt(13.5), 4 / Math.Sqrt(13.5)], ReferenceMath.RmsNorm([3, 4], [1, 1], 1, onePlusWeight: false));
    }

    [Fact]
    public void LayerNorm_centers_then_divides_by_the_biased_deviation()
    {
        // x = (1, 3): mean 2, variance 1.
        AssertClose([-1 * 2 + 0.5, 1 * 3 - 0.5], ReferenceMath.LayerNorm([1, 3], [2, 3], [0.5, -0.5], 0));
    }

    [Fact]
    public void Rotary_pairs_the_first_half_of_a_head_with_the_second()
    {
        // d = 4: (x0, x2) turn by position·1, (x1, x3) by position·0.01.
        double[] head = [1, 0, 0, 1];
        RotaryFrequencies.Rotate(head, [1, 0.01], position: 2);
        AssertClose([Math.Cos(2), -Math.Sin(0.02), Math.Sin(2), Math.Cos(0.02)], head);

        double[] origin = [0.3, -0.7, 1.1, 2.0];
        RotaryFrequencies.Rotate(origin, [1, 0.01], position: 0);
        AssertClose([0.3, -0.7, 1.1, 2.0], origin);
    }

    [Fact]
    public void Inverse_frequencies_default_linear_and_llama3()
    {
        AssertClose([1, 0.01], RotaryFrequencies.InvFreq(null, 10000, 4));
        AssertClose([0.5, 0.005], RotaryFrequencies.InvFreq(new JsonObject { ["type"] = "linear", ["factor"] = 2.0 }, 10000, 4));

        // theta 100, d = 6: 1, 100^(-1/3), 100^(-2/3); wavelengths 2π ≈ 6.28, ≈ 29.2, ≈ 135.3.
        // original 64 with low 1 / high 4: below 16 kept, above 64 divided by the factor 8, between smoothed.
        var scaling = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 64,
        };
        var f1 = Math.Pow(100, -1.0 / 3);
        var smooth = (64 / (2 * Math.PI / f1) - 1) / (4 - 1);
        AssertClose([1, (1 - smooth) * f1 / 8 + smooth * f1, Math.Pow(100, -2.0 / 3) / 8], RotaryFrequencies.InvFreq(scaling, 100, 6));

        Assert.Throws<NotSupportedException>(() => RotaryFrequencies.InvFreq(new JsonObject { ["rope_type"] = "yarn" }, 10000, 4));
    }

    [Fact]
    public void Softcap_and_activations()
    {
        Assert.Equal(5 * Math.Tanh(2), ReferenceMath.SoftCap(10, 5), Tolerance);
        Assert.Equal(-5 * Math.Tanh(0.1), ReferenceMath.SoftCap(-0.5, 5), Tolerance);
        Assert.Equal(2 / (1 + Math.Exp(-2)), ReferenceMath.Activate("silu", 2), Tolerance);
        // tanh-GELU at 1: 0.5·(1 + tanh(√(2/π)·1.044715)).
        Assert.Equal(0.5 * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * 1.044715)), ReferenceMath.Activate("gelu_pytorch_tanh", 1), Tolerance);
    }

    [Fact]
    public void Sliding_window_of_three_lets_a_query_see_itself_and_the_two_before()
    {
        Assert.Equal([false, false, false, true, true, true, false], Visible(5, 3));
        Assert.Equal([true, true, true, true, true, true, false], Visible(5, null));

        static bool[] Visible(int query, int? window)
        {
            var row = new bool[7];
            for (var key = 0; key < 7; key++) row[key] = ReferenceMath.MayAttend(query, key, window);
            return row;
        }
    }

    [Fact]
    public void Softmax_ignores_masked_scores()
    {
        AssertClose([1 / (1 + Math.E), 0, Math.E / (1 + Math.E)], ReferenceMath.MaskedSoftmax([0, 100, 1], [true, false, true]));
    }

    /// <summary>
    /// A one-layer Llama with d = 2, one head of width 2, identity projections and a one-unit MLP, over tokens (0, 1).
    /// Worked by hand: the normed embeddings are (√2, 0) and (0, √2); position 1 turns its query and key by 1 radian;
    /// position 0 sees only itself, position 1 weighs v0 and v1 by softmax(−√2·sin 1, √2); the MLP adds
    /// silu(n0)·n1 to both coordinates, which is 0 at position 0 because n1 = 0 there.
    /// </summary>
    [Fact]
    public void One_layer_llama_matches_the_hand_computation()
    {
        var config = ReferenceConfig.Parse(new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 2, ["hidden_size"] = 2, ["intermediate_size"] = 1,
            ["num_hidden_layers"] = 1, ["num_attention_heads"] = 1, ["num_key_value_heads"] = 1, ["rms_norm_eps"] = 0.0,
            ["rope_theta"] = 10000.0, ["tie_word_embeddings"] = false,
        });
        double[] identity = [1, 0, 0, 1];
        var weights = new Dictionary<string, double[]>
        {
            ["model.embed_tokens.weight"] = identity,
            ["model.layers.0.input_layernorm.weight"] = [1, 1],
            ["model.layers.0.self_attn.q_proj.weight"] = identity,
            ["model.layers.0.self_attn.k_proj.weight"] = identity,
            ["model.layers.0.self_attn.v_proj.weight"] = identity,
            ["model.layers.0.self_attn.o_proj.weight"] = identity,
            ["model.layers.0.post_attention_layernorm.weight"] = [1, 1],
            ["model.layers.0.mlp.gate_proj.weight"] = [1, 0],
            ["model.layers.0.mlp.up_proj.weight"] = [0, 1],
            ["model.layers.0.mlp.down_proj.weight"] = [1, 1],
            ["model.norm.weight"] = [1, 1],
            ["lm_head.weight"] = identity,
        };

        var output = new ReferenceModel(config, weights).Forward([0, 1]);

        var r2 = Math.Sqrt(2);
        double s10 = -r2 * Math.Sin(1), s11 = r2;
        var p0 = Math.Exp(s10) / (Math.Exp(s10) + Math.Exp(s11));
        double a = r2 * p0, b = 1 + r2 * (1 - p0);
        var rms = Math.Sqrt((a * a + b * b) / 2);
        var mlp = a / rms / (1 + Math.Exp(-a / rms)) * (b / rms);
        var final = new[] { a + mlp, b + mlp };
        var finalRms = Math.Sqrt((final[0] * final[0] + final[1] * final[1]) / 2);

        AssertClose([r2, 0], output.Logits[0]);
        AssertClose([final[0] / finalRms, final[1] / finalRms], output.Logits[1]);
        AssertClose([1 + r2, 0], output.Residuals[1][0]);
        AssertClose([p0, 1 - p0], output.Blocks[0].Pattern[0][1]);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }
}
