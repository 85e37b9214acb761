using Steering.Generation;
using Steering.Models.Decoder;
using static TorchSharp.torch;

namespace Steering.Models;

/// <summary>
/// A family's module tree: ids → logits through the hook points. Parameter paths are what the family's
/// <see cref="WeightMap"/> maps to checkpoint names.
/// </summary>
internal abstract class DecoderNetwork(string name) : nn.Module(name)
{
    /// <summary>One forward pass: ids [batch, pos] int64 → logits [batch, pos, d_vocab].</summary>
    public abstract Tensor Forward(Tensor ids, DecoderPass pass, KvCache? cache);
}
