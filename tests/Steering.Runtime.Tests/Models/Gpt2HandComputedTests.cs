using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Models.Gpt2;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// A one-block GPT-2 computed by hand: plain double loops written from the GPT-2 equations (layer norm, causal softmax
/// attention over heads, gelu_new MLP, tied output), independent of TorchSharp, against the model's logits.
/// </summary>
public sealed class Gpt2HandComputedTests
{
    private const int Vocab = 11, Width = 4, Heads = 2, Hidden = 8, HeadWidth = Width / Heads;
    private const double Epsilon = 1e-5;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_block_matches_the_equations(bool hookThePattern)
    {
        using var scope = NewDisposeScope();
        var config = new Gpt2Config { VocabSize = Vocab, NPositions = 8, NEmbd = Width, NLayer = 1, NHead = Heads, NInner = Hidden };
        using var model = Gpt2Model.CreateRandom(config, seed: 3);
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.to(ScalarType.Float64).cpu().data<double>().ToArray());
        int[] tokens = { 1, 5, 3, 5 };

        using var hook = hookThePattern ? model.Hook("blocks.0.attn.pattern", (x, _) => null) : null;
        var actual = model.Forward(model.TokenTensor(tokens))[0].to(ScalarType.Float64).data<double>().ToArray();

        var expected = Forward(weights, tokens);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"logit {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static double[] Forward(Dictionary<string, double[]> w, int[] tokens)
    {
        var n = tokens.Length;
        var x = new double[n][];
        for (var t = 0; t < n; t++)
            x[t] = Enumerable.Range(0, Width).Select(j => w["wte.weight"][tokens[t] * Width + j] + w["wpe.weight"][t * Width + j]).ToArray();

        var h = x.Select(v => LayerNorm(v, w["h.0.ln_1.weight"], w["h.0.ln_1.bias"])).ToArray();
        var qkv = h.Select(v => Affine(v, w["h.0.attn.c_attn.weight"], w["h.0.attn.c_attn.bias"], 3 * Width)).ToArray();
        var z = new double[n][];
        for (var t = 0; t < n; t++)
        {
            z[t] = new double[Width];
            for (var head = 0; head < Heads; head++)
            {
                var scores = new double[t + 1];
                for (var s = 0; s <= t; s++)
                    for (var j = 0; j < HeadWidth; j++)
                        scores[s] += qkv[t][head * HeadWidth + j] * qkv[s][Width + head * HeadWidth + j] / Math.Sqrt(HeadWidth);
                var max = scores.Max();
                var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = exp.Sum();
                for (var s = 0; s <= t; s++)
                    for (var j = 0; j < HeadWidth; j++)
                        z[t][head * HeadWidth + j] += exp[s] / sum * qkv[s][2 * Width + head * HeadWidth + j];
            }
        }
        for (var t = 0; t < n; t++)
        {
            var attention = Affine(z[t], w["h.0.attn.c_proj.weight"], w["h.0.attn.c_proj.bias"], Width);
            x[t] = x[t].Zip(attention, (a, b) => a + b).ToArray();
            var hidden = Affine(LayerNorm(x[t], w["h.0.ln_2.weight"], w["h.0.ln_2.bias"]), w["h.0.mlp.c_fc.weight"], w["h.0.mlp.c_fc.bias"], Hidden)
                .Select(GeluNew).ToArray();
            var mlp = Affine(hidden, w["h.0.mlp.c_proj.weight"], w["h.0.mlp.c_proj.bias"], Width);
            x[t] = x[t].Zip(mlp, (a, b) => a + b).ToArray();
        }
        var logits = new List<double>();
        foreach (var v in x)
        {
            var final = LayerNorm(v, w["ln_f.weight"], w["ln_f.bias"]);
            for (var token = 0; token < Vocab; token++)
                logits.Add(Enumerable.Range(0, Width).Sum(j => final[j] * w["wte.weight"][token * Width + j]));
        }
        return logits.ToArray();
    }

    private static double[] LayerNorm(double[] v, double[] weight, double[] bias)
    {
        var mean = v.Average();
        var variance = v.Select(a => (a - mean) * (a - mean)).Average();
        return v.Select((a, j) => (a - mean) / Math.Sqrt(variance + Epsilon) * weight[j] + bias[j]).ToArray();
    }

    /// <summary>v·W + b with W stored [in, out] (GPT-2's Conv1D layout).</summary>
    private static double[] Affine(double[] v, double[] weight, double[] bias, int outputs) =>
        Enumerable.Range(0, outputs).Select(o => bias[o] + v.Select((a, i) => a * weight[i * outputs + o]).Sum()).ToArray();

    private static double GeluNew(double a) => 0.5 * a * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
}
