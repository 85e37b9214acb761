using System;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// The MLP: gated, down(act(gate(x)) · up(x)) with <c>gate_proj</c>, <c>up_proj</c>, <c>down_proj</c> (Llama, Qwen,
/// Mistral, Gemma), or plain, down(act(up(x))) with <c>up_proj</c>, <c>down_proj</c>. <c>mlp.pre</c> is the
/// pre-activation (the gate in gated MLPs), <c>mlp.pre_linear</c> the up projection, <c>mlp.post</c> what reaches down_proj.
/// </summary>
internal sealed class DecoderMlp : nn.Module
{
    private readonly Linear? _gate;
    private readonly Linear _up;
    private readonly Linear _down;
    private readonly Func<Tensor, Tensor> _activation;
    private readonly BlockHookPoints _hooks;

    public DecoderMlp(DecoderLayout layout, BlockHookPoints hooks) : base(nameof(DecoderMlp))
    {
        long width = layout.Dimensions.DModel, hidden = layout.Dimensions.DMlp;
        if (layout.GatedMlp)
        {
            _gate = new Linear(width, hidden, layout.MlpBias);
            register_module("gate_proj", _gate);
        }
        _up = new Linear(width, hidden, layout.MlpBias);
        _down = new Linear(hidden, width, layout.MlpBias);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
        _activation = Activations.Get(layout.Activation);
        _hooks = hooks;
    }

    public Tensor Forward(Tensor x, Hooks.ForwardPass pass)
    {
        Tensor post;
        if (_gate is null)
        {
            post = _hooks.MlpPost.Run(_activation(_hooks.MlpPre.Run(_up.Forward(x), pass)), pass);
        }
        else
        {
            var gate = _hooks.MlpPre.Run(_gate.Forward(x), pass);
            var up = _hooks.MlpPreLinear!.Run(_up.Forward(x), pass);
            post = _hooks.MlpPost.Run(_activation(gate) * up, pass);
        }
        return _down.Forward(post);
    }
}
