using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>The MLP nonlinearities Hugging Face configs name (<c>activation_function</c>, <c>hidden_act</c>), exactly as transformers computes them.</summary>
internal static class Activations
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> ByName = new(StringComparer.Ordinal)
    {
        // gelu_new, gelu_fast and gelu_pytorch_tanh are the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
        ["gelu_new"] = x => nn.functional.gelu(x, GELU.Approximate.tanh),
        ["gelu_fast"] = x => nn.functional.gelu(x, GELU.Approximate.tanh),
        ["gelu_pytorch_tanh"] = x => nn.functional.gelu(x, GELU.Approximate.tanh),
        ["gelu"] = x => nn.functional.gelu(x),
        ["relu"] = x => nn.functional.relu(x),
        ["silu"] = x => nn.functional.silu(x),
        ["swish"] = x => nn.functional.silu(x),
        ["quick_gelu"] = x => x * sigmoid(x * 1.702),
        ["tanh"] = x => x.tanh(),
    };

    public static IEnumerable<string> Names => ByName.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    public static Func<Tensor, Tensor> Get(string name) => ByName[name];
}
