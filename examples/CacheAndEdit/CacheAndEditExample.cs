using System;
using System.IO;
using System.Linq;
using Steering;
using Steering.Hooks;
using static TorchSharp.torch;

namespace CacheAndEdit;

/// <summary>
/// baukit's <c>Trace</c> the Steering way: a hook scope records activations and edits them in one place, and removes
/// its hooks when disposed. Here it patches activations: "Hate makes everything" runs with its last position's residual
/// stream replaced, block by block, by its value in "Love makes everything", and the next-token logits show from which
/// block on the last position has already read the sentiment word (and from which block on it has not yet acted on it).
/// </summary>
public static class CacheAndEditExample
{
    /// <summary>The prompt whose activations are copied in.</summary>
    public const string Source = "Love makes everything";

    /// <summary>The prompt that runs with the copied activations (it may tokenize to another length: "Hate" is two tokens).</summary>
    public const string Target = "Hate makes everything";

    /// <summary>
    /// A hook that replaces the activation at <paramref name="position"/> by <paramref name="value"/> ([d_model], e.g. a
    /// cached activation from another prompt): baukit's edit_output.
    /// </summary>
    public static HookFunction PatchAt(int position, Tensor value) =>
        (x, ctx) => where(ctx.PerPosition(ctx.Positions.eq(position)), value, x);

    /// <summary>Patches each block's output at the differing word and prints the effect on the next-token logits.</summary>
    public static void Run(string modelFolder, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var model = HookedTransformer.Load(modelFolder);
        using var scope = NewDisposeScope();
        var blockOutputs = Enumerable.Range(0, model.Dimensions.NLayers).Select(i => $"blocks.{i}.resid_post").ToArray();
        var position = model.Tokenizer.Encode(Target).Length - 1; // the last position: it predicts the next token

        // Record every block's output on the source prompt (TransformerLens's run_with_cache).
        var (sourceLogits, sourceCache) = model.RunWithCache(Source, blockOutputs);
        using var recorded = sourceCache;
        var targetLogits = model.Forward(Target);

        // How far a run's next-token distribution is from the source's: KL(source || run). Patching should shrink it.
        var sourceNext = sourceLogits[0, -1].log_softmax(-1);
        double Distance(Tensor logits) => (sourceNext.exp() * (sourceNext - logits[0, -1].log_softmax(-1))).sum().item<float>();
        var targetDistance = Distance(targetLogits);
        output.WriteLine($"source  '{Source}' -> '{Next(model, sourceLogits)}'");
        output.WriteLine($"target  '{Target}' -> '{Next(model, targetLogits)}'   KL(source || target) = {targetDistance:G3}");
        output.WriteLine($"patching the target's block outputs at its last position ({position}) with the source's:");

        foreach (var name in blockOutputs)
        {
            // Edit and record in one scope, like `with Trace(module, edit_output=patch) as ret`. Hooks at one point run
            // in the order they were added, so the cache added after the edit records the patched output (ret.output).
            var sourceLast = recorded[name][0, -1];
            using var trace = model.Hooks.CreateScope().Add(name, PatchAt(position, sourceLast));
            using var seen = trace.Cache(name);
            var logits = model.Forward(Target);

            var distance = Distance(logits);
            var copied = seen[name][0, position].eq(sourceLast).all().item<bool>();
            output.WriteLine($"  {name,-20} KL {distance,-9:G3} (gap closed {1 - distance / targetDistance,4:P0})" +
                             $"  next '{Next(model, logits)}'  recorded output = source's: {copied}");
        }
    }

    private static string Next(HookedTransformer model, Tensor logits) =>
        model.Tokenizer.Decode(new[] { (int)logits[0, -1].argmax().item<long>() });
}
