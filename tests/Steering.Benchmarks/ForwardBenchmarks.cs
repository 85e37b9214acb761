using BenchmarkDotNet.Attributes;
using Steering.Hooks;
using Steering.Models.Gpt2;
using static TorchSharp.torch;

namespace Steering.Benchmarks;

/// <summary>
/// One inference forward pass of a GPT-2-small-shaped model (random weights, fp32, CPU) on 1×128 tokens, with hook
/// set-ups from none to a hook on every point. The managed allocations MemoryDiagnoser reports are the .NET side only
/// (tensor wrappers, hook contexts); libtorch's native buffers are not counted there.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private const int Tokens = 128;

    private Gpt2Model _model = null!;
    private Tensor _ids = null!;
    private HookScope? _scope;
    private ActivationCache? _cache;

    /// <summary>Only one GlobalSetup runs per benchmark, so the targeted ones call this first.</summary>
    [GlobalSetup(Target = nameof(NoHooks))]
    public void SetUpModel()
    {
        _model = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
        _ids = BenchmarkModels.RandomIds(1, Tokens, BenchmarkModels.Gpt2Small.VocabSize);
    }

    [GlobalSetup(Target = nameof(SteeringHook))]
    public void SetUpSteering()
    {
        SetUpModel();
        _scope = BenchmarkModels.InstallSteering(_model);
    }

    [GlobalSetup(Target = nameof(ReadingHookOnEveryPoint))]
    public void SetUpReaders()
    {
        SetUpModel();
        _scope = BenchmarkModels.InstallReadersEverywhere(_model);
    }

    [GlobalSetup(Target = nameof(CacheResidPost))]
    public void SetUpCache()
    {
        SetUpModel();
        _scope = _model.Hooks.CreateScope();
        _cache = _scope.Cache(BenchmarkModels.ResidPostNames(_model));
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _cache?.Dispose();
        _scope?.Dispose();
        _ids.Dispose();
        _model.Dispose();
        _cache = null;
        _scope = null;
    }

    /// <summary>(a) No hook installed: every hook point takes its one-branch fast path; attention is the fused SDPA.</summary>
    [Benchmark(Baseline = true)]
    public long NoHooks() => BenchmarkModels.Forward(_model, _ids);

    /// <summary>(b) One AddVector steering hook at blocks.6.resid_pre.</summary>
    [Benchmark]
    public long SteeringHook() => BenchmarkModels.Forward(_model, _ids);

    /// <summary>(c) A null-returning (reading) hook on every point: the explicit attention-pattern path.</summary>
    [Benchmark]
    public long ReadingHookOnEveryPoint() => BenchmarkModels.Forward(_model, _ids);

    /// <summary>(d) An activation cache of all 12 resid_post points (a detached copy of each per pass).</summary>
    [Benchmark]
    public long CacheResidPost() => BenchmarkModels.Forward(_model, _ids);
}
