using System;
using System.Collections.Generic;
using Steering.Generation;
using Steering.Hooks;
using Steering.Models.Kernels;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Models;

/// <summary>
/// During a decode step the kernels own the thread count libtorch was given: libtorch runs the step's own operations on
/// one thread and gets its count back after the step, also when the step fails; prefill keeps libtorch's threads.
/// Where the kernels do not split products (no AVX-512, or OpenMP threads that spin) nothing changes hands.
/// </summary>
public sealed class FewRowPassThreadsTests
{
    private sealed record Seen(ForwardPhase Phase, int Libtorch, int? Kernels);

    [Fact]
    public void Decode_steps_hand_libtorchs_threads_to_the_kernels_and_give_them_back()
    {
        var before = get_num_threads();
        set_num_threads(2);
        try
        {
            using var model = TinyGpt2.Create();
            var seen = new List<Seen>();
            using (model.Hook("blocks.0.resid_pre", (x, ctx) =>
            {
                seen.Add(new Seen(ctx.Phase, get_num_threads(), FewRowPassThreads.Count));
                return null;
            }))
            {
                // A prompt of more rows than the kernels take, then single-token steps.
                var prompt = new int[FewRowLinear.MaxRows + 1];
                for (var i = 0; i < prompt.Length; i++) prompt[i] = 40 + i;
                model.Generate(new[] { prompt }, new GenerationOptions { MaxNewTokens = 3, StopTokens = Array.Empty<int>() });
            }
            var handed = FewRowLinear.TakesRows(1, model.DType);
            Assert.Equal(3, seen.Count);
            Assert.Equal(new Seen(ForwardPhase.Prefill, 2, null), seen[0]);
            Assert.All(seen.GetRange(1, 2), step => Assert.Equal(handed ? new Seen(ForwardPhase.Decode, 1, 2) : new Seen(ForwardPhase.Decode, 2, null), step));
            Assert.Equal(2, get_num_threads());

            // A step that fails still gives the threads back.
            using var cache = model.CreateCache();
            using (no_grad())
            {
                model.Forward(tensor(new long[] { 40, 41 }).view(1, 2), null, cache).Dispose();
                using var failing = model.Hook("blocks.0.resid_pre", (x, ctx) => throw new InvalidOperationException("hook failed"));
                Assert.ThrowsAny<Exception>(() => model.Forward(tensor(new long[] { 42 }).view(1, 1), null, cache));
            }
            Assert.Equal(2, get_num_threads());
            Assert.Null(FewRowPassThreads.Count);
        }
        finally
        {
            set_num_threads(before);
        }
    }
}
