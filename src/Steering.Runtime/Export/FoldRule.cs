using System;
using static TorchSharp.torch;

namespace Steering.Export;

/// <summary>
/// How a constant addition at one hook point becomes a change of one weight: <see cref="Increment"/> maps the addition
/// (float64, flattened to the point's vector) to what is added to the parameter <see cref="Parameter"/> (by Hugging
/// Face name), broadcast over it.
/// </summary>
/// <param name="Parameter">The parameter that changes, e.g. <c>h.3.mlp.c_proj.bias</c>.</param>
/// <param name="Increment">The change, from the flattened addition; same device as the input.</param>
internal sealed record FoldRule(string Parameter, Func<Tensor, Tensor> Increment);
