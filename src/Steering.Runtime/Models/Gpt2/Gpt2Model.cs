using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Steering.Checkpoints;
using Steering.Generation;
using Steering.Hooks;
using Steering.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Steering.Models.Gpt2;

/// <summary>
/// The GPT-2 family (gpt2, gpt2-medium/large/xl, distilgpt2), numerically as Hugging Face's GPT2LMHeadModel computes
/// it, with TransformerLens hook points.
/// </summary>
public sealed partial class Gpt2Model : HookedTransformer
{
    /// <summary>The prefix <c>save_pretrained</c> writes before every tensor name (the hub's gpt2 files have none).</summary>
    private const string SavedPrefix = "transformer.";

    private readonly Gpt2Network _network;

    private Gpt2Model(Gpt2Config config, string name, TextTokenizer tokenizer, ModelLoadOptions options)
        : base(config.ToSchema(name), tokenizer, TorchDevices.Parse(options.Device), options.DType, config.EosTokenId)
    {
        Config = config;
        _network = new Gpt2Network(config, Hooks);
    }

    /// <summary>The checkpoint's settings.</summary>
    public Gpt2Config Config { get; }

    /// <inheritdoc/>
    public override long ParameterCount => _network.parameters().Sum(p => p.numel());

    /// <summary>Loads a GPT-2 checkpoint folder.</summary>
    /// <exception cref="CheckpointException">A file is missing or malformed, or tensors are missing or misshapen.</exception>
    public static new Gpt2Model Load(string folder, ModelLoadOptions? options = null)
    {
        using var config = ConfigJson.ReadFolder(folder);
        return Load(folder, config, options ?? new ModelLoadOptions());
    }

    internal static Gpt2Model Load(string folder, ConfigJson configJson, ModelLoadOptions options)
    {
        var config = Gpt2Config.Read(configJson);
        var tokenizer = TextTokenizer.Load(folder);
        using var weights = CheckpointWeights.Open(folder);
        // A config that claims far more parameters than the files hold would make the allocation below fail natively
        // (out of memory) before any tensor could be compared: say so first. The slack leaves small gaps (a missing or
        // misshapen tensor) to the precise messages of LoadWeights.
        var stored = weights.Names.Sum(name => weights.GetEntry(name).ElementCount);
        if (config.ParameterCount > (2 * stored) + 1_000_000)
            throw new CheckpointException(configJson.Path,
                $"describes a GPT-2 with {config.ParameterCount:N0} parameters, but the checkpoint holds {stored:N0} values");
        var model = new Gpt2Model(config, options.Name ?? DefaultName(folder), tokenizer, options);
        try
        {
            model.LoadWarnings = model.LoadWeights(weights);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A model with freshly initialized weights, as Hugging Face initializes GPT-2 (normal(0, 0.02); output projections
    /// scaled by 1/√(2·n_layer); layer norms 1 and 0). Same seed, same weights.
    /// </summary>
    public static Gpt2Model CreateRandom(Gpt2Config config, long seed, ModelLoadOptions? options = null, TextTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new ModelLoadOptions();
        var model = new Gpt2Model(config, options.Name ?? "gpt2-random", tokenizer ?? TextTokenizer.Gpt2, options);
        var generator = new Generator((ulong)seed);
        var projectionStd = 0.02 / Math.Sqrt(2.0 * config.NLayer);
        using (no_grad())
        {
            foreach (var (name, parameter) in model._network.named_parameters())
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
                else if (name.Contains("ln_", StringComparison.Ordinal)) parameter.fill_(1.0);
                else parameter.normal_(0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? projectionStd : 0.02, generator);
            }
        }
        model.Place();
        return model;
    }

    /// <inheritdoc/>
    public override void Save(string folder, ScalarType? storeAs = null)
    {
        Directory.CreateDirectory(folder);
        var tensors = _network.named_parameters().Select(p => new KeyValuePair<string, Tensor>(SavedPrefix + p.name, p.parameter));
        CheckpointWeights.Save(folder, tensors, storeAs: storeAs ?? DType,
            metadata: new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(folder, ConfigJson.FileName), Config.ToJson(), new UTF8Encoding(false));
        Tokenizer.SaveTo(folder);
    }

    /// <summary>The named parameters, Hugging Face names without the <c>transformer.</c> prefix (for training and editing).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => _network.named_parameters();

    private protected override Tensor ForwardCore(Tensor inputIds, ForwardPass pass, Tensor attentionBias, KvCache? cache) =>
        _network.Forward(inputIds, pass, attentionBias, cache);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _network.Dispose();
    }

    /// <summary>Copies every parameter from the checkpoint; returns warnings about tensors the architecture does not use.</summary>
    private List<string> LoadWeights(CheckpointWeights weights)
    {
        var wanted = _network.named_parameters().ToList();
        var sourceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (name, _) in wanted)
        {
            if (weights.Contains(name)) sourceOf[name] = name;
            else if (weights.Contains(SavedPrefix + name)) sourceOf[name] = SavedPrefix + name;
            else missing.Add(name);
        }
        if (missing.Count > 0)
            throw new CheckpointException(weights.Folder,
                $"missing {missing.Count} tensor(s) GPT-2 needs: {string.Join(", ", missing.Take(6))}{(missing.Count > 6 ? ", …" : "")}");

        using (no_grad())
        {
            foreach (var (name, parameter) in wanted)
            {
                var entry = weights.GetEntry(sourceOf[name]);
                if (!entry.Shape.SequenceEqual(parameter.shape))
                    throw new CheckpointException(weights.Folder,
                        $"tensor '{entry.Name}' is [{string.Join(", ", entry.Shape)}]; the config needs [{string.Join(", ", parameter.shape)}]");
                using var loaded = weights.Load(entry.Name, ScalarType.Float32);
                parameter.copy_(loaded);
            }
        }
        Place();

        var used = new HashSet<string>(sourceOf.Values, StringComparer.Ordinal);
        return weights.Names.Where(n => !used.Contains(n) && !KnownUnusedTensor().IsMatch(n)).Order(StringComparer.Ordinal)
            .Select(n => $"checkpoint tensor '{n}' is not used by GPT-2 and was ignored").ToList();
    }

    /// <summary>Moves the parameters to the compute dtype and device; an inference model needs no gradients.</summary>
    private void Place()
    {
        _network.to(DType).to(Device);
        foreach (var parameter in _network.parameters()) parameter.requires_grad = false;
        _network.eval();
    }

    /// <summary>
    /// Tensors GPT-2 checkpoints carry that are not parameters: older hub files store the causal mask buffers
    /// (<c>attn.bias</c>, <c>attn.masked_bias</c>), and some store the tied <c>lm_head.weight</c>.
    /// </summary>
    [GeneratedRegex(@"^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$|^lm_head\.weight$")]
    private static partial Regex KnownUnusedTensor();
}
