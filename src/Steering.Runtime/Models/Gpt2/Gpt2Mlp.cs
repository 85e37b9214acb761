using System;
using Steering.Hooks;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>GPT-2's MLP: c_fc, the configured nonlinearity, c_proj; hooked before and after the nonlinearity.</summary>
internal sealed class Gpt2Mlp : nn.Module
{
    private readonly Conv1D _up;
    private readonly Conv1D _down;
    private readonly Func<Tensor, Tensor> _activation;
    private readonly BlockHookPoints _hooks;

    public Gpt2Mlp(DecoderLayout layout, BlockHookPoints hooks) : base(nameof(Gpt2Mlp))
    {
        _up = new Conv1D(layout.Dimensions.DModel, layout.Dimensions.DMlp);
        _down = new Conv1D(layout.Dimensions.DMlp, layout.Dimensions.DModel);
        register_module("c_fc", _up);
        register_module("c_proj", _down);
        _activation = Activations.Get(layout.Activation);
        _hooks = hooks;
    }

    public Tensor Forward(Tensor x, ForwardPass pass)
    {
        var pre = _hooks.MlpPre.Run(_up.Forward(x), pass);
        var post = _hooks.MlpPost.Run(_activation(pre), pass);
        return _down.Forward(post);
    }
}
