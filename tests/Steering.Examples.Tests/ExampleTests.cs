using System;
using System.IO;
using System.Linq;
using CacheAndEdit;
using PositionSlicing;
using RawHooks;
using Steering.Hooks;
using Steering.Vectors;
using SteerAtDsl;
using Steering.Editing;
using WrapperModule;
using static TorchSharp.torch;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Steering.Examples.Tests;

/// <summary>
/// Runs every example on the embedded demo model and checks what each one claims with numbers, not printed text.
/// The model is committed with the repository: when it is missing these tests fail (ExampleModel.Folder says why).
/// </summary>
public sealed class ExampleTests : IDisposable
{
    private readonly string _folder = ExampleModel.Folder();
    private readonly HookedTransformer _model;
    private readonly TorchSharp.DisposeScope _scope = NewDisposeScope();

    public ExampleTests() => _model = HookedTransformer.Load(_folder);

    public void Dispose()
    {
        _scope.Dispose();
        _model.Dispose();
    }

    private string RunExample(Action<string, TextWriter> run)
    {
        using var output = new StringWriter();
        run(_folder, output);
        Assert.False(_model.Hooks.AnyHooked);
        return output.ToString();
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void AssertClose(Tensor expected, Tensor actual, double atol = 1e-5) =>
        Assert.True(expected.allclose(actual, rtol: 0, atol: atol), $"max |difference| = {(expected - actual).abs().max().item<float>()}");

    [Fact]
    public void SteerAtDsl_Apply_is_AddVector_with_the_same_vector_and_the_typed_point_is_the_same_stream()
    {
        Assert.Contains("love.Apply vs a hook at blocks.1.resid_post", RunExample(SteerAtDslExample.Run), StringComparison.Ordinal);

        using var love = LoveHate.Build(_model, VectorBuilders.Diff("Love", "Hate"));
        using var expected = SteeringVector.FromContrast(_model, "blocks.2.resid_pre", "Love", "Hate");
        AssertClose(expected.Values, love.Blocks2ResidPre!);

        var baseline = _model.Forward(SteerAtDslExample.Prompt);
        Tensor viaApply, viaAddVector, viaTypedPoint;
        using (love.Apply(_model, coefficient: SteerAtDslExample.Coefficient))
            viaApply = _model.Forward(SteerAtDslExample.Prompt);
        using (_model.Hooks.CreateScope().AddVector(LoveHate.Blocks2ResidPrePoint.Name, love.Blocks2ResidPre!, SteerAtDslExample.Coefficient))
            viaAddVector = _model.Forward(SteerAtDslExample.Prompt);
        var delta = love.Blocks2ResidPre! * SteerAtDslExample.Coefficient;
        using (_model.Hooks.CreateScope().Add(TinySentiment.Blocks[1].ResidPost, (x, ctx) => x + ctx.TokenMask(x.dtype) * delta))
            viaTypedPoint = _model.Forward(SteerAtDslExample.Prompt);

        Assert.True(Same(viaApply, viaAddVector));
        AssertClose(viaApply, viaTypedPoint);
        Assert.True((viaApply - baseline).abs().max().item<float>() > 0.1);
        Assert.Equal("blocks.1.resid_post", TinySentiment.Blocks[1].ResidPost.Name);
    }

    [Fact]
    public void CacheAndEdit_patching_moves_the_next_token_logits_to_the_source_prompts()
    {
        Assert.Contains("recorded output = source's: True", RunExample(CacheAndEditExample.Run), StringComparison.Ordinal);

        var layers = _model.Dimensions.NLayers;
        var names = Enumerable.Range(0, layers).Select(i => $"blocks.{i}.resid_post").ToArray();
        var (sourceLogits, cache) = _model.RunWithCache(CacheAndEditExample.Source, names);
        using var source = cache;
        var target = _model.Forward(CacheAndEditExample.Target);
        var last = _model.Tokenizer.Encode(CacheAndEditExample.Target).Length - 1;
        Tensor Patched(string name)
        {
            using var trace = _model.Hooks.CreateScope().Add(name, CacheAndEditExample.PatchAt(last, source[name][0, -1]));
            return _model.Forward(CacheAndEditExample.Target);
        }
        double Distance(Tensor logits) => (logits[0, -1] - sourceLogits[0, -1]).norm().item<float>();

        // After the last block nothing mixes positions: the patched last position predicts exactly as the source.
        var atEnd = Patched(names[^1]);
        AssertClose(sourceLogits[0, -1], atEnd[0, -1]);
        // Earlier, later blocks still read the target's other tokens: closer to the source than the target is, not equal.
        var middle = Patched(names[layers / 2]);
        Assert.True(Distance(middle) < Distance(target), $"patched {Distance(middle)}, unpatched {Distance(target)}");
        // Only the patched position (and none before it, by causality) changes.
        Assert.True(Same(middle[0, ..last], target[0, ..last]));
    }

    [Fact]
    public void RawHooks_cache_hook_gives_the_contrast_vector_and_edits_compose()
    {
        Assert.Contains("hooks left installed: False", RunExample(RawHooksExample.Run), StringComparison.Ordinal);

        var vector = RawHooksExample.ContrastByHook(_model, "Love", "Hate");
        using var expected = SteeringVector.FromContrast(_model, RawHooksExample.HookName, "Love", "Hate");
        AssertClose(expected.Values, vector);

        var baseline = _model.Forward(RawHooksExample.Prompt);
        Tensor steered, cancelled, seen;
        using (_model.Hook(RawHooksExample.HookName, RawHooksExample.ActAdd(vector, 2)))
            steered = _model.Forward(RawHooksExample.Prompt);
        using (_model.Hook(RawHooksExample.HookName, RawHooksExample.ActAdd(vector, 2)))
        using (_model.Hook(RawHooksExample.HookName, RawHooksExample.ActAdd(vector, -2)))
            cancelled = _model.Forward(RawHooksExample.Prompt);
        AssertClose(baseline, cancelled, atol: 1e-4);
        Assert.True((steered - baseline).abs().max().item<float>() > 0.1);

        // A reader added after an edit sees the edited activation.
        using (var hooks = _model.Hooks.CreateScope())
        {
            using var before = hooks.Cache(RawHooksExample.HookName);
            hooks.Add(RawHooksExample.HookName, RawHooksExample.ActAdd(vector, 2));
            using var after = _model.Hooks.CreateScope();
            using var afterCache = after.Cache(RawHooksExample.HookName);
            _model.Forward(RawHooksExample.Prompt);
            seen = afterCache[RawHooksExample.HookName] - before[RawHooksExample.HookName];
        }
        AssertClose((2 * vector).expand_as(seen), seen, atol: 1e-4);
        Assert.False(_model.Hooks.AnyHooked);
    }

    [Fact]
    public void WrapperModule_remembers_the_cached_activation_and_steers_like_AddVector()
    {
        Assert.Contains("(the last decode step)", RunExample(WrapperModuleExample.Run), StringComparison.Ordinal);

        var (_, cache) = _model.RunWithCache(WrapperModuleExample.Prompt, WrapperModuleExample.HookName);
        using var cached = cache;
        using var love = SteeringVector.FromContrast(_model, WrapperModuleExample.HookName, "Love", "Hate");
        Tensor expected;
        using (_model.Hooks.CreateScope().AddVector(WrapperModuleExample.HookName, love.Values, 2))
            expected = _model.Forward(WrapperModuleExample.Prompt);

        using var wrapped = new WrappedHookPoint(_model, WrapperModuleExample.HookName);
        Assert.Null(wrapped.Output);
        _model.Forward(WrapperModuleExample.Prompt);
        Assert.True(Same(wrapped.Output!, cached[WrapperModuleExample.HookName]));

        wrapped.SteeringVector = 2 * love.Values;
        var steered = _model.Forward(WrapperModuleExample.Prompt);
        AssertClose(expected, steered);
        // Output is what the point produced, before the wrapper's own steering.
        Assert.True(Same(wrapped.Output!, cached[WrapperModuleExample.HookName]));

        wrapped.Dispose();
        Assert.False(_model.Hooks.AnyHooked);
    }

    [Fact]
    public void PositionSlicing_first_two_positions_changes_only_those_positions()
    {
        Assert.Contains("Decode [4]", RunExample(PositionSlicingExample.Run), StringComparison.Ordinal);
        using var love = SteeringVector.FromContrast(_model, PositionSlicingExample.HookName, "Love", "Hate");
        var prompt = PositionSlicingExample.Prompt;
        var length = _model.Tokenizer.Encode(prompt).Length;

        // At the hook point itself: positions 0 and 1 are edited, the rest untouched.
        var (_, plain) = _model.RunWithCache(prompt, PositionSlicingExample.HookName);
        using var before = plain;
        Tensor edited;
        using (var hooks = _model.Hooks.CreateScope().Add(PositionSlicingExample.HookName, PositionSlicingExample.FirstTwoPositions(love.Values, 2)))
        {
            using var after = hooks.Cache(PositionSlicingExample.HookName);
            _model.Forward(prompt);
            edited = after[PositionSlicingExample.HookName].clone();
        }
        var changed = (edited - before[PositionSlicingExample.HookName]).abs().amax(new long[] { 0, 2 }).data<float>().ToArray();
        Assert.All(changed.Take(2), c => Assert.True(c > 0));
        Assert.All(changed.Skip(2), c => Assert.Equal(0f, c));

        // At the last block's output nothing mixes positions any more: the logits change at positions 0 and 1 only.
        var lastBlock = $"blocks.{_model.Dimensions.NLayers - 1}.resid_post";
        var baseline = _model.Forward(prompt);
        Tensor steered;
        using (_model.Hook(lastBlock, PositionSlicingExample.FirstTwoPositions(love.Values, 2)))
            steered = _model.Forward(prompt);
        var logitChange = (steered - baseline).abs().amax(new long[] { 0, 2 }).data<float>().ToArray();
        Assert.Equal(length, logitChange.Length);
        Assert.All(logitChange.Take(2), c => Assert.True(c > 0.1));
        Assert.All(logitChange.Skip(2), c => Assert.Equal(0f, c));
    }

    [Fact]
    public void PositionSlicing_under_KV_cached_generation_positions_stay_absolute()
    {
        using var love = SteeringVector.FromContrast(_model, PositionSlicingExample.HookName, "Love", "Hate");
        var prompt = _model.Tokenizer.Encode(PositionSlicingExample.Prompt);
        var options = Generation.GenerationOptions.Greedy(5);

        // Record each pass's activation before and after the edit: (phase, positions, how much the edit changed).
        (ForwardPhase Phase, long[] Positions, float Change)[] Trace(HookFunction edit)
        {
            var log = new System.Collections.Generic.List<(ForwardPhase, long[], float)>();
            Tensor? seen = null;
            using var hooks = _model.Hooks.CreateScope()
                .Add(PositionSlicingExample.HookName, (x, ctx) => { seen = x.clone(); return null; })
                .Add(PositionSlicingExample.HookName, edit)
                .Add(PositionSlicingExample.HookName, (x, ctx) =>
                {
                    log.Add((ctx.Phase, ctx.Positions.data<long>().ToArray(), (x - seen!).abs().max().item<float>()));
                    return null;
                });
            _ = _model.Generate(new[] { prompt }, options);
            return log.ToArray();
        }

        var firstTwo = Trace(PositionSlicingExample.FirstTwoPositions(love.Values, 2));
        Assert.Equal(ForwardPhase.Prefill, firstTwo[0].Phase);
        Assert.Equal(Enumerable.Range(0, prompt.Length).Select(i => (long)i), firstTwo[0].Positions);
        Assert.True(firstTwo[0].Change > 0);
        for (var step = 1; step < firstTwo.Length; step++)
        {
            Assert.Equal(ForwardPhase.Decode, firstTwo[step].Phase);
            Assert.Equal(new long[] { prompt.Length + step - 1 }, firstTwo[step].Positions);
            Assert.Equal(0f, firstTwo[step].Change); // decode positions are >= prompt length: never "the first two"
        }

        var generatedOnly = Trace(PositionSlicingExample.GeneratedTokensOnly(love.Values, 2));
        Assert.Equal(0f, generatedOnly[0].Change);
        Assert.All(generatedOnly.Skip(1), pass => Assert.True(pass.Change > 0));

        // The first new token comes from the (unsteered) prompt pass, so it is the baseline's.
        var baseline = _model.Generate(new[] { prompt }, options)[0].NewIds;
        using (_model.Hook(PositionSlicingExample.HookName, PositionSlicingExample.GeneratedTokensOnly(love.Values, 2)))
            Assert.Equal(baseline[0], _model.Generate(new[] { prompt }, options)[0].NewIds[0]);
    }
}
