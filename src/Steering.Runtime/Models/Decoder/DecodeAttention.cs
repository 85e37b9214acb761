using Steering.Generation;
using Steering.Hooks;
using Steering.Models.Kernels;
using static TorchSharp.torch;

namespace Steering.Models.Decoder;

/// <summary>
/// When a decode step's attention runs in one kernel call (<see cref="SingleQueryAttention"/>) instead of libtorch's
/// operations — the one rule every family's attention module follows (GPT-2's fused projection and the Llama-family
/// modules alike), so hooks see the same thing whichever family they are on.
/// </summary>
internal static class DecodeAttention
{
    /// <summary>
    /// Whether this pass's attention may go to the kernel: one new position meets the KV cache and no hook or per-call
    /// edit observes q, k, v, their rotated forms, the scores or the pattern — each of those points needs its tensor,
    /// so observing any of them takes the general path, exactly as computed without the kernel. z's hook still runs on
    /// the kernel's result.
    /// </summary>
    /// <param name="hooks">The block's hook points.</param>
    /// <param name="pass">This pass (its hooks and edits).</param>
    /// <param name="cache">The KV cache, or null without caching.</param>
    /// <param name="length">New positions in this pass.</param>
    public static bool Applies(BlockHookPoints hooks, ForwardPass pass, KvCache? cache, long length) =>
        cache is not null && length == 1 && SingleQueryAttention.Enabled
        && !hooks.Q.IsObservedIn(pass) && !hooks.K.IsObservedIn(pass) && !hooks.V.IsObservedIn(pass)
        && !(hooks.RotQ?.IsObservedIn(pass) ?? false) && !(hooks.RotK?.IsObservedIn(pass) ?? false)
        && !hooks.Scores.IsObservedIn(pass) && !hooks.Pattern.IsObservedIn(pass);

    /// <summary>
    /// z [batch, 1, heads, d_head] from the kernel, the new key and value written into the block's cache buffers
    /// (kept on the cache's commit, like <see cref="KvCache.Extend"/>); null when the kernel declines (dtype, device,
    /// autograd), and then nothing was written and the caller takes the general path.
    /// </summary>
    /// <param name="step">The new position's heads, mask and scoring.</param>
    /// <param name="cache">The KV cache.</param>
    /// <param name="layer">The block.</param>
    public static Tensor? TryCompute(SingleQuery step, KvCache cache, int layer)
    {
        var source = step.Key.Source;
        var (keys, values, cached) = cache.Reserve(layer, new[] { step.Batch, step.KvHeads, 1L, step.HeadWidth }, source.dtype, source.device);
        return SingleQueryAttention.TryCompute(step, keys, values, cached);
    }
}
