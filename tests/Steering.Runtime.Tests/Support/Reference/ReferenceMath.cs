using System;

namespace Steering.Tests.Support.Reference;

/// <summary>The reference's arithmetic: plain float64 loops over row-major arrays, one formula per method.</summary>
public static class ReferenceMath
{
    /// <summary>
    /// RMSNorm of one vector: x / √(mean(x²) + eps), times w (Llama, Mistral, Qwen) or times (1 + w) (Gemma).
    /// </summary>
    public static double[] RmsNorm(ReadOnlySpan<double> x, ReadOnlySpan<double> weight, double eps, bool onePlusWeight)
    {
        double squares = 0;
        foreach (var v in x) squares += v * v;
        var inverse = 1.0 / Math.Sqrt(squares / x.Length + eps);
        var result = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            result[i] = x[i] * inverse * (onePlusWeight ? 1.0 + weight[i] : weight[i]);
        }
        return result;
    }

    /// <summary>LayerNorm of one vector: (x − mean) / √(biased variance + eps) · w + b.</summary>
    public static double[] LayerNorm(ReadOnlySpan<double> x, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, double eps)
    {
        double mean = 0;
        foreach (var v in x) mean += v;
        mean /= x.Length;
        double variance = 0;
        foreach (var v in x) variance += (v - mean) * (v - mean);
        variance /= x.Length;
        var inverse = 1.0 / Math.Sqrt(variance + eps);
        var result = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            result[i] = (x[i] - mean) * inverse * weight[i] + bias[i];
        }
        return result;
    }

    /// <summary>
    /// y = W·x + b for a torch.nn.Linear weight stored [out, in] (<paramref name="transposed"/> false) or a GPT-2
    /// Conv1D weight stored [in, out] (<paramref name="transposed"/> true).
    /// </summary>
    public static double[] Linear(ReadOnlySpan<double> x, double[] weight, double[]? bias, int outFeatures, bool transposed = false)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var inFeatures = x.Length;
        var y = new double[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            double sum = bias?[o] ?? 0;
            for (var i = 0; i < inFeatures; i++)
            {
                sum += x[i] * (transposed ? weight[i * outFeatures + o] : weight[o * inFeatures + i]);
            }
            y[o] = sum;
        }
        return y;
    }

    /// <summary>The activations these families name, as transformers' activations.py defines them.</summary>
    /// <exception cref="NotSupportedException">Any other name.</exception>
    public static double Activate(string name, double x) => name switch
    {
        "silu" or "swish" => x / (1 + Math.Exp(-x)),
        // gelu_new, gelu_pytorch_tanh and gelu_fast are the tanh approximation.
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" =>
            0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        "relu" => Math.Max(0, x),
        _ => throw new NotSupportedException($"activation '{name}' is not implemented by the reference"),
    };

    /// <summary>Gemma's soft-capping: cap · tanh(x / cap).</summary>
    public static double SoftCap(double x, double cap) => cap * Math.Tanh(x / cap);

    /// <summary>Softmax over the entries of <paramref name="scores"/> whose <paramref name="allowed"/> is true; others get 0.</summary>
    public static double[] MaskedSoftmax(ReadOnlySpan<double> scores, ReadOnlySpan<bool> allowed)
    {
        var max = double.NegativeInfinity;
        for (var i = 0; i < scores.Length; i++)
        {
            if (allowed[i]) max = Math.Max(max, scores[i]);
        }
        var result = new double[scores.Length];
        double sum = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            result[i] = allowed[i] ? Math.Exp(scores[i] - max) : 0;
            sum += result[i];
        }
        for (var i = 0; i < scores.Length; i++) result[i] /= sum;
        return result;
    }

    /// <summary>
    /// Whether a query at <paramref name="query"/> may attend to the key at <paramref name="key"/>: causal, and when
    /// <paramref name="window"/> is set, within it as masking_utils.py's sliding_window_overlay says (key &gt; query − window).
    /// </summary>
    public static bool MayAttend(int query, int key, int? window) => key <= query && (window is not { } w || key > query - w);
}
