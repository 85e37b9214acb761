using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>
/// A lookup table [count, width] with its parameter named <c>weight</c>, as Hugging Face names it. Unlike nn.Embedding
/// it is created uninitialized: loading overwrites it, so a random fill would be wasted work on 50k × d_model values.
/// </summary>
internal sealed class Embedding : nn.Module
{
    public Embedding(long count, long width) : base(nameof(Embedding))
    {
        register_parameter("weight", ParameterAllocation.Empty(count, width));
    }

    /// <summary>
    /// Looked up by name on each use, not kept in a field: Module.to(dtype) replaces the registered parameters, and a
    /// field would go on holding the disposed originals (which broke loading in float16/bfloat16).
    /// </summary>
    public Parameter Weight => get_parameter("weight")!;

    public Tensor Forward(Tensor ids)
    {
        var shape = ids.shape.Append(Weight.shape[1]).ToArray();
        return Weight.index_select(0, ids.reshape(-1)).view(shape);
    }
}
