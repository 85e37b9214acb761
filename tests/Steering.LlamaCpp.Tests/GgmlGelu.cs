using System;
using System.Collections.Generic;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// ggml's CPU GELU, for checking that it is the one difference between llama.cpp and us: ggml rounds the input to float16
/// and looks the result up in a float16 table of the tanh-approximated GELU (ggml_table_gelu_f16, GGML_GELU_FP16;
/// inputs ≤ −10 give 0, ≥ 10 themselves). Hooked into a gated MLP (mlp.pre = gate, mlp.pre_linear = up, mlp.post =
/// GELU(gate)·up), our model computes what llama.cpp's GEGLU does.
/// </summary>
public static class GgmlGelu
{
    /// <summary>GELU(x) as ggml's table gives it, in float32.</summary>
    public static Tensor Of(Tensor x)
    {
        var input = x.to(ScalarType.Float32);
        var rounded = input.to(ScalarType.Float16).to(ScalarType.Float32);
        var inner = rounded.mul(Math.Sqrt(2 / Math.PI)).mul(rounded.square().mul(0.044715).add(1.0));
        var table = rounded.mul(0.5).mul(inner.tanh().add(1.0)).to(ScalarType.Float16).to(ScalarType.Float32);
        return where(input.le(-10), zeros_like(input), where(input.ge(10), input, table)).to(x.dtype);
    }

    /// <summary>Replaces every block's GELU(gate)·up with ggml's, in <paramref name="scope"/>.</summary>
    public static void Hook(HookScope scope, HookedTransformer model)
    {
        for (var layer = 0; layer < model.Dimensions.NLayers; layer++)
        {
            var inputs = new Dictionary<string, Tensor>();
            Tensor? Keep(string name, Tensor activation)
            {
                inputs[name] = activation;
                return null;
            }
            scope.Add($"blocks.{layer}.mlp.pre", (activation, _) => Keep("gate", activation))
                .Add($"blocks.{layer}.mlp.pre_linear", (activation, _) => Keep("up", activation))
                .Add($"blocks.{layer}.mlp.post", (_, _) => Of(inputs["gate"]) * inputs["up"]);
        }
    }
}
