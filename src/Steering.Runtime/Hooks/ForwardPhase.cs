namespace Steering.Hooks;

/// <summary>Which kind of forward pass an activation comes from.</summary>
public enum ForwardPhase
{
    /// <summary>A pass over whole sequences: a plain forward, or the prompt before generation.</summary>
    Prefill,

    /// <summary>A KV-cached generation step: the pass sees only the newest position of each sequence.</summary>
    Decode,
}
