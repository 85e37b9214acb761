using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Steering.Checkpoints;
using Steering.Hooks;
using Steering.Schema;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Sae;

/// <summary>
/// A sparse autoencoder in SAELens's folder format (<c>cfg.json</c> + <c>sae_weights.safetensors</c>: W_enc
/// [d_in, d_sae], W_dec [d_sae, d_in], b_enc [d_sae], b_dec [d_in], and <c>threshold</c> [d_sae] for JumpReLU):
/// features are f = σ((x − b_dec?)·W_enc + b_enc) with σ = ReLU (<c>standard</c>), ReLU masked by f &gt; threshold
/// (<c>jumprelu</c>) or the top k (<c>topk</c>), and x̂ = f·W_dec + b_dec. Its decoder rows are steering directions.
/// Weights are float32 on the CPU, owned by this object.
/// </summary>
public sealed class SparseAutoencoder : IDisposable
{
    /// <summary>The config file of a SAELens folder.</summary>
    public const string ConfigFileName = "cfg.json";

    /// <summary>The weights file of a SAELens folder.</summary>
    public const string WeightsFileName = "sae_weights.safetensors";

    private SparseAutoencoder(SaeConfig config, Tensor encoder, Tensor decoder, Tensor encoderBias, Tensor decoderBias, Tensor? threshold)
    {
        Config = config;
        Encoder = encoder;
        Decoder = decoder;
        EncoderBias = encoderBias;
        DecoderBias = decoderBias;
        Threshold = threshold;
    }

    /// <summary>The settings from cfg.json.</summary>
    public SaeConfig Config { get; }

    /// <summary>W_enc [d_in, d_sae].</summary>
    public Tensor Encoder { get; }

    /// <summary>W_dec [d_sae, d_in]: row i is feature i's direction.</summary>
    public Tensor Decoder { get; }

    /// <summary>b_enc [d_sae].</summary>
    public Tensor EncoderBias { get; }

    /// <summary>b_dec [d_in].</summary>
    public Tensor DecoderBias { get; }

    /// <summary>JumpReLU's threshold [d_sae]; null for other architectures.</summary>
    public Tensor? Threshold { get; }

    /// <summary>The hook point the SAE reads (canonical name).</summary>
    public string HookName => Config.HookName;

    /// <summary>Reads a SAELens folder.</summary>
    /// <exception cref="CheckpointException">A file is missing or malformed, a tensor has the wrong shape, or the architecture or normalization is one this version lacks.</exception>
    public static SparseAutoencoder Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder)) throw new CheckpointException(folder, "no such SAE folder");
        var config = SaeConfig.Read(Path.Combine(folder, ConfigFileName));
        var weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weightsPath)) throw new CheckpointException(weightsPath, "missing: a SAELens folder has sae_weights.safetensors");
        using var file = SafetensorsFile.Open(weightsPath);
        using var scope = NewDisposeScope();
        Tensor Read(string name, params long[] shape)
        {
            var entry = file.GetEntry(name);
            if (!entry.Shape.SequenceEqual(shape))
                throw new CheckpointException(weightsPath, $"'{name}' is [{string.Join(", ", entry.Shape)}]; cfg.json's d_in {config.DIn} and d_sae {config.DSae} make it [{string.Join(", ", shape)}]");
            var tensor = file.Load(name, ScalarType.Float32);
            return tensor.isfinite().all().item<bool>() ? tensor : throw new CheckpointException(weightsPath, $"'{name}' holds NaN or infinity");
        }
        var encoder = Read("W_enc", config.DIn, config.DSae);
        var decoder = Read("W_dec", config.DSae, config.DIn);
        var encoderBias = Read("b_enc", config.DSae);
        var decoderBias = Read("b_dec", config.DIn);
        var threshold = config.Architecture == SaeConfig.JumpRelu ? Read("threshold", config.DSae) : null;
        return new SparseAutoencoder(config, encoder.DetachFromDisposeScope(), decoder.DetachFromDisposeScope(),
            encoderBias.DetachFromDisposeScope(), decoderBias.DetachFromDisposeScope(), threshold?.DetachFromDisposeScope());
    }

    /// <summary>Feature activations [..., d_sae] of activations <paramref name="x"/> [..., d_in] (any dtype or device; computed in float32, returned there).</summary>
    /// <exception cref="SteeringException">The last dimension is not d_in.</exception>
    public Tensor Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        return EncodeScaled(x).Features.MoveToOuterDisposeScope();
    }

    /// <summary>The features and the factor the input was scaled by first (constant_norm_rescale; 1 otherwise).</summary>
    private (Tensor Features, Tensor Scale) EncodeScaled(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckWidth(x);
        var input = x.to(ScalarType.Float32);
        // SAELens's constant_norm_rescale: every activation is rescaled to norm √d_in before encoding.
        var scale = Config.NormalizeActivations == SaeConfig.ConstantNormRescale
            ? Math.Sqrt(Config.DIn) / input.norm(-1, true).clamp_min(1e-12)
            : ones(1, ScalarType.Float32, input.device);
        input = input * scale;
        if (Config.ApplyDecoderBiasToInput) input = input - DecoderBias.to(input.device);
        var pre = input.matmul(Encoder.to(input.device)) + EncoderBias.to(input.device);
        var features = Config.Architecture switch
        {
            SaeConfig.JumpRelu => nn.functional.relu(pre) * pre.gt(Threshold!.to(pre.device)).to(pre.dtype),
            SaeConfig.TopK => TopK(pre, Config.K!.Value),
            _ => nn.functional.relu(pre),
        };
        return (features, scale);
    }

    /// <summary>The reconstruction [..., d_in] of feature activations <paramref name="features"/> [..., d_sae] (before any output de-normalization).</summary>
    public Tensor Decode(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var f = features.to(ScalarType.Float32);
        return (f.matmul(Decoder.to(f.device)) + DecoderBias.to(f.device)).MoveToOuterDisposeScope();
    }

    /// <summary>Feature <paramref name="feature"/>'s decoder row [d_in] (a copy, owned by the caller).</summary>
    /// <exception cref="SteeringException">No such feature.</exception>
    public Tensor Direction(int feature)
    {
        CheckFeature(feature);
        return Decoder[feature].clone();
    }

    /// <summary>
    /// A steering vector along feature <paramref name="feature"/>'s decoder row at the SAE's hook point (times
    /// <paramref name="scale"/>), made for <paramref name="model"/>.
    /// </summary>
    /// <exception cref="SteeringException">No such feature, or the point's vector size is not d_in.</exception>
    public SteeringVectors FeatureVector(HookedTransformer model, int feature, double scale = 1.0)
    {
        var point = PointIn(model);
        using var scope = NewDisposeScope();
        return SteeringVectors.Create(model, new[] { new KeyValuePair<string, Tensor>(point.Name, Direction(feature) * scale) }, Method, FeatureMetadata(feature));
    }

    /// <summary>
    /// A steering vector along the decoder row without a model at hand (<see cref="SteeringVectors.ModelIdentity"/> is
    /// null: nothing records which model it fits).
    /// </summary>
    public SteeringVectors FeatureVector(int feature, double scale = 1.0)
    {
        using var scope = NewDisposeScope();
        return SteeringVectors.Create(new[] { new KeyValuePair<string, Tensor>(HookName, Direction(feature) * scale) }, null, Method, FeatureMetadata(feature));
    }

    /// <summary>The feature activations [pos, d_sae] of <paramref name="text"/> at the SAE's hook point (float32, CPU, owned by the caller).</summary>
    /// <exception cref="SteeringException">The point's vector size is not d_in.</exception>
    public Tensor ReadFeatures(HookedTransformer model, string text)
    {
        var point = PointIn(model);
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(text, point.Name);
        using (cache)
            return Encode(cache[point.Name][0]).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A hook that clamps feature <paramref name="feature"/> to <paramref name="value"/> at every real position: the
    /// activation keeps its SAE error, only the feature's contribution changes — x + (value − f(x))·W_dec[feature]
    /// (divided by the input scale of a constant_norm_rescale SAE, so the change is in the activation's own units).
    /// Install it at <see cref="HookName"/> (e.g. <c>model.Hooks.CreateScope().Add(sae.HookName, hook)</c>).
    /// </summary>
    /// <exception cref="SteeringException">No such feature, or the value is not finite.</exception>
    public HookFunction ClampFeature(int feature, double value)
    {
        CheckFeature(feature);
        if (!double.IsFinite(value)) throw new SteeringException($"the clamp value for feature {feature} is {value}");
        var direction = Decoder[feature];
        return (x, context) =>
        {
            var (features, scale) = EncodeScaled(x);
            var current = features[TensorIndex.Ellipsis, feature].unsqueeze(-1);
            var delta = ((value - current) * direction.to(x.device) / scale).to(x.dtype);
            return x + context.TokenMask(x.dtype) * delta;
        };
    }

    /// <summary>The SAE's hook point in <paramref name="model"/>, checked to take d_in-wide activations.</summary>
    /// <exception cref="SteeringException">The model lacks the point, or its vector shape is not [d_in].</exception>
    public HookPoint PointIn(HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var point = model.Hooks[HookName];
        if (point.VectorShape.Count != 1 || point.VectorShape[0] != Config.DIn)
            throw new SteeringException(
                $"the SAE for '{HookName}' reads {Config.DIn}-wide activations (d_in); the model's '{point.Name}' is {point.Info.DimsText} = [{string.Join(", ", point.VectorShape)}] per position");
        return point;
    }

    /// <summary>Frees the weights.</summary>
    public void Dispose()
    {
        Encoder.Dispose();
        Decoder.Dispose();
        EncoderBias.Dispose();
        DecoderBias.Dispose();
        Threshold?.Dispose();
    }

    private const string Method = "sae";

    private static Dictionary<string, string> FeatureMetadata(int feature) =>
        new() { ["steering.sae.feature"] = feature.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static Tensor TopK(Tensor pre, int k)
    {
        var (values, indices) = pre.topk(k, -1);
        return zeros_like(pre).scatter(-1, indices, nn.functional.relu(values));
    }

    private void CheckWidth(Tensor x)
    {
        if (x.dim() == 0 || x.shape[^1] != Config.DIn)
            throw new SteeringException($"the SAE for '{HookName}' reads {Config.DIn}-wide activations (d_in); got [{string.Join(", ", x.shape)}]");
    }

    private void CheckFeature(int feature)
    {
        if (feature < 0 || feature >= Config.DSae)
            throw new SteeringException($"the SAE for '{HookName}' has features 0 to {Config.DSae - 1}; there is no feature {feature}");
    }
}

/// <summary>A SAELens <c>cfg.json</c>: sizes, hook point, architecture, input handling.</summary>
/// <param name="DIn">The activation width.</param>
/// <param name="DSae">The number of features.</param>
/// <param name="HookName">The hook point (canonical name).</param>
/// <param name="Architecture"><c>standard</c>, <c>jumprelu</c> or <c>topk</c>.</param>
/// <param name="ApplyDecoderBiasToInput">Whether b_dec is subtracted before encoding.</param>
/// <param name="NormalizeActivations"><c>none</c> or <c>constant_norm_rescale</c>.</param>
/// <param name="K">The k of a top-k SAE.</param>
public sealed record SaeConfig(int DIn, int DSae, string HookName, string Architecture, bool ApplyDecoderBiasToInput, string NormalizeActivations, int? K)
{
    internal const string Standard = "standard";
    internal const string JumpRelu = "jumprelu";
    internal const string TopK = "topk";
    internal const string None = "none";
    internal const string ConstantNormRescale = "constant_norm_rescale";

    /// <summary>Reads cfg.json (SAELens before and after v6, which moved <c>hook_name</c> into <c>metadata</c>).</summary>
    /// <exception cref="CheckpointException">Missing, malformed, or a setting this version lacks.</exception>
    public static SaeConfig Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "missing: a SAELens folder has cfg.json");
        using var config = ConfigJson.Parse(File.ReadAllText(path), path);
        var hook = config.GetString("hook_name", null) ?? MetadataString(config, "hook_name")
            ?? throw new CheckpointException(path, "has no \"hook_name\" (nor metadata.hook_name): which hook point does the SAE read?");
        var architecture = config.GetString("architecture", Standard)!;
        if (architecture is not (Standard or JumpRelu or TopK))
            throw new CheckpointException(path, $"\"architecture\" is '{architecture}'; this version reads {Standard}, {JumpRelu} and {TopK} SAEs");
        var normalize = config.GetString("normalize_activations", None)!;
        if (normalize is not (None or ConstantNormRescale))
            throw new CheckpointException(path, $"\"normalize_activations\" is '{normalize}'; this version reads {None} and {ConstantNormRescale}");
        var dSae = config.GetPositiveInt("d_sae");
        int? k = architecture == TopK ? config.GetPositiveInt("k") : null;
        if (k > dSae) throw new CheckpointException(path, $"\"k\" is {k}; the SAE has only {dSae} features");
        return new SaeConfig(config.GetPositiveInt("d_in"), dSae, HookNames.Canonicalize(hook), architecture,
            config.GetBool("apply_b_dec_to_input", true), normalize, k);
    }

    private static string? MetadataString(ConfigJson config, string key) =>
        config.GetObject("metadata") is { } metadata && metadata.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
