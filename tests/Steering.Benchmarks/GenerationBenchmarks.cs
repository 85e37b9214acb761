using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Steering.Generation;
using Steering.Hooks;
using Steering.Models.Gpt2;

namespace Steering.Benchmarks;

/// <summary>
/// KV-cached greedy generation on the GPT-2-small-shaped model: a 16-token prompt per sequence, 64 new tokens (one
/// prefill pass, then 63 single-token decode passes), with and without a steering hook. Stop tokens are off, so every
/// run produces exactly 64 tokens per sequence whatever the random model predicts. The TokensPerSec column is
/// batch × 64 ÷ mean time.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TokensPerSecondConfig))]
public class GenerationBenchmarks
{
    /// <summary>Prompt tokens per sequence.</summary>
    public const int PromptTokens = 16;

    /// <summary>New tokens per sequence.</summary>
    public const int NewTokens = 64;

    /// <summary>Greedy, exactly <see cref="NewTokens"/> tokens (no stop token).</summary>
    public static GenerationOptions Options { get; } = new() { MaxNewTokens = NewTokens, StopTokens = Array.Empty<int>() };

    private Gpt2Model _model = null!;
    private IReadOnlyList<IReadOnlyList<int>> _prompts = null!;
    private HookScope? _scope;

    /// <summary>Sequences generated together (left-padded batch; all prompts are the same length here).</summary>
    [Params(1, 4)]
    public int Batch { get; set; }

    /// <summary>With an AddVector hook at blocks.6.resid_pre during the whole generation.</summary>
    [Params(false, true)]
    public bool Steered { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _model = BenchmarkModels.Create(BenchmarkModels.Gpt2Small);
        _prompts = BenchmarkModels.RandomPrompts(Batch, PromptTokens, BenchmarkModels.Gpt2Small.VocabSize);
        if (Steered) _scope = BenchmarkModels.InstallSteering(_model);
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _scope?.Dispose();
        _scope = null;
        _model.Dispose();
    }

    /// <summary>Generates and counts the tokens (GenerateSteps: no text decoding in the timed work).</summary>
    [Benchmark]
    public int Generate() => Count(_model, _prompts);

    /// <summary>Runs one generation and returns how many tokens it produced.</summary>
    public static int Count(HookedTransformer model, IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.GenerateSteps(prompts, options ?? Options).Sum(step => step.TokenIds.Count(id => id is not null));
    }

    /// <summary>Adds the tokens-per-second column.</summary>
    public sealed class TokensPerSecondConfig : ManualConfig
    {
        public TokensPerSecondConfig() => AddColumn(new TokensPerSecondColumn());
    }

    /// <summary>batch × <see cref="NewTokens"/> ÷ the mean time of one generation.</summary>
    public sealed class TokensPerSecondColumn : IColumn
    {
        public string Id => nameof(TokensPerSecondColumn);
        public string ColumnName => "TokensPerSec";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Generated tokens per second: Batch × 64 ÷ Mean";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            ArgumentNullException.ThrowIfNull(summary);
            ArgumentNullException.ThrowIfNull(benchmarkCase);
            var meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (meanNanoseconds is not > 0) return "NA";
            var batch = benchmarkCase.Parameters["Batch"] is int b ? b : 1;
            return (batch * NewTokens / (meanNanoseconds.Value / 1e9)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }

        public override string ToString() => ColumnName;
    }
}
