using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Steering.Export;

/// <summary>
/// How a constant addition at one hook point becomes changes of weights: each <see cref="FoldChange"/> maps the
/// addition (float64, flattened to the point's vector) to what is added to one parameter, broadcast over it. Most points
/// change one bias; a norm's output in an RMSNorm model feeds several projections and changes each of their biases.
/// </summary>
/// <param name="Changes">The parameters that change and how.</param>
internal sealed record FoldRule(IReadOnlyList<FoldChange> Changes)
{
    /// <summary>A rule that changes one parameter.</summary>
    public FoldRule(string parameter, Func<Tensor, Tensor> increment) : this([new FoldChange(parameter, increment)]) { }

    /// <summary>The rules' changes together (an addition that reaches several maps).</summary>
    public static FoldRule Combined(IEnumerable<FoldRule> rules) => new(rules.SelectMany(rule => rule.Changes).ToList());
}

/// <summary>One parameter's change under a fold.</summary>
/// <param name="Parameter">The parameter, by Hugging Face name, e.g. <c>h.3.mlp.c_proj.bias</c>.</param>
/// <param name="Increment">The change, from the flattened addition; same device as the input.</param>
internal sealed record FoldChange(string Parameter, Func<Tensor, Tensor> Increment);
