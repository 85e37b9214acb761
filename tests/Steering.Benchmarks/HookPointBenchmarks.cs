using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Steering.Hooks;
using Steering.Models.Gpt2;
using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// The cost of the hook machinery itself. <see cref="HookPoint"/>'s pass-through is internal (models call it); the
/// runtime grants this assembly InternalsVisibleTo so it can be timed directly rather than made public.
/// Multiply the no-hook figure by the number of hook points a pass goes through and divide by a forward pass's time
/// to get the share of a forward pass the machinery costs when nothing is installed (the quick harness prints it).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HookPointBenchmarks
{
    /// <summary>Calls per benchmark invocation: one call is nanoseconds, far below the timer's resolution.</summary>
    private const int Calls = 1024;

    private Gpt2Model _tiny = null!;
    private Tensor _tinyIds = null!;
    private HookPoint _bare = null!;
    private HookPoint _hooked = null!;
    private ForwardPass _pass = null!;
    private Tensor _activation = null!;
    private HookScope? _scope;
    private DisposeScope _tensors = null!;

    /// <summary>Only one GlobalSetup runs per benchmark, so the targeted ones call this first.</summary>
    [GlobalSetup(Targets = new[] { nameof(PassThroughNoHooks), nameof(TinyForwardNoHooks) })]
    public void SetUp()
    {
        _tiny = BenchmarkModels.Create(BenchmarkModels.Tiny);
        _tinyIds = BenchmarkModels.RandomIds(1, 16, BenchmarkModels.Tiny.VocabSize);
        _tensors = NewDisposeScope();
        _activation = zeros(1, 16, BenchmarkModels.Tiny.NEmbd);
        _pass = new ForwardPass(arange(16L).unsqueeze(0), zeros(1, 16, ScalarType.Bool), ForwardPhase.Prefill, 0);
        _bare = _tiny.Hooks["blocks.0.resid_pre"];
        _hooked = _tiny.Hooks["blocks.0.resid_post"];
    }

    [GlobalSetup(Target = nameof(PassThroughOneReadingHook))]
    public void SetUpOneReader()
    {
        SetUp();
        _scope = _tiny.Hooks.CreateScope().Add(_hooked, static (_, _) => null);
    }

    [GlobalSetup(Target = nameof(TinyForwardReadingHookOnEveryPoint))]
    public void SetUpReaders()
    {
        SetUp();
        _scope = BenchmarkModels.InstallReadersEverywhere(_tiny);
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _scope?.Dispose();
        _scope = null;
        _tensors.Dispose();
        _tinyIds.Dispose();
        _tiny.Dispose();
    }

    /// <summary>HookPoint.Run with no hook installed: the fast path every point of an unhooked forward pass takes.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    [BenchmarkCategory("PassThrough")]
    public Tensor PassThroughNoHooks()
    {
        var x = _activation;
        for (var i = 0; i < Calls; i++) x = _bare.Run(x, _pass);
        return x;
    }

    /// <summary>HookPoint.Run with one reading (null-returning) hook: context plus one delegate call.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("PassThrough")]
    public Tensor PassThroughOneReadingHook()
    {
        var x = _activation;
        for (var i = 0; i < Calls; i++) x = _hooked.Run(x, _pass);
        return x;
    }

    /// <summary>A whole forward pass of a 1-layer toy model (d_model 64) on 16 tokens, no hooks installed.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("TinyForward")]
    public long TinyForwardNoHooks() => BenchmarkModels.Forward(_tiny, _tinyIds);

    /// <summary>The same pass with a reading hook on every point (and so the explicit attention path).</summary>
    [Benchmark]
    [BenchmarkCategory("TinyForward")]
    public long TinyForwardReadingHookOnEveryPoint() => BenchmarkModels.Forward(_tiny, _tinyIds);
}
