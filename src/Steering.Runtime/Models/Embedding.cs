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
        Weight = new Parameter(empty(count, width));
        register_parameter("weight", Weight);
    }

    public Parameter Weight { get; }

    public Tensor Forward(Tensor ids)
    {
        var shape = ids.shape.Append(Weight.shape[1]).ToArray();
        return Weight.index_select(0, ids.reshape(-1)).view(shape);
    }
}
