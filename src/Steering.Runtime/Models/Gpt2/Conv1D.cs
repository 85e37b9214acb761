using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>
/// GPT-2's "Conv1D": a linear layer whose weight is stored [in, out] (transposed from nn.Linear). Kept in that layout so
/// checkpoints load and save without transposes and parameter names match Hugging Face's.
/// </summary>
internal sealed class Conv1D : nn.Module
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;

    public Conv1D(long inFeatures, long outFeatures) : base(nameof(Conv1D))
    {
        _weight = new Parameter(empty(inFeatures, outFeatures));
        _bias = new Parameter(zeros(outFeatures));
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
    }

    /// <summary>x·W + b over the last dimension.</summary>
    public Tensor Forward(Tensor x)
    {
        var shape = x.shape;
        shape[^1] = _weight.shape[1];
        return _bias.addmm(x.reshape(-1, x.shape[^1]), _weight).view(shape);
    }
}
