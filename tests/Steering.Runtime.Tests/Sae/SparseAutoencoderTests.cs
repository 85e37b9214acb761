using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Sae;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Sae;

/// <summary>SAELens folders read, encoded and decoded as a hand computation does, steering along decoder rows.</summary>
public sealed class SparseAutoencoderTests : IClassFixture<TinyGpt2Folder>
{
    private const int DIn = 32;
    private const int DSae = 6;
    private readonly TinyGpt2Folder _tiny;

    public SparseAutoencoderTests(TinyGpt2Folder tiny)
    {
        _tiny = tiny;
        _ = tiny.Model; // loaded here, outside any test's dispose scope, which would free its weights
    }

    /// <summary>A SAELens folder with seeded random weights; returns them as plain arrays for the hand computation.</summary>
    private static (float[,] Enc, float[,] Dec, float[] BEnc, float[] BDec, float[] Threshold) Write(string folder, string architecture,
        int dIn = DIn, bool applyBDec = true, string hook = "blocks.0.hook_resid_post", string extra = "")
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(11);
        var enc = randn(dIn, DSae, generator: generator) * 0.5f;
        var dec = randn(DSae, dIn, generator: generator) * 0.5f;
        var bEnc = randn(DSae, generator: generator) * 0.3f;
        var bDec = randn(dIn, generator: generator) * 0.3f;
        var threshold = rand(DSae, generator: generator) * 0.5f;
        var tensors = new Dictionary<string, Tensor> { ["W_enc"] = enc, ["W_dec"] = dec, ["b_enc"] = bEnc, ["b_dec"] = bDec };
        if (architecture == "jumprelu") tensors["threshold"] = threshold;
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, "sae_weights.safetensors"), tensors);
        File.WriteAllText(Path.Combine(folder, "cfg.json"),
            $$"""{"d_in": {{dIn}}, "d_sae": {{DSae}}, "hook_name": "{{hook}}", "architecture": "{{architecture}}", "apply_b_dec_to_input": {{(applyBDec ? "true" : "false")}}, "normalize_activations": "none", "dtype": "float32"{{extra}}}""");
        float[,] Matrix(Tensor t) { var a = t.data<float>().ToArray(); var m = new float[t.shape[0], t.shape[1]]; Buffer.BlockCopy(a, 0, m, 0, a.Length * 4); return m; }
        return (Matrix(enc), Matrix(dec), bEnc.data<float>().ToArray(), bDec.data<float>().ToArray(), threshold.data<float>().ToArray());
    }

    private static double[] EncodeByHand(float[] x, (float[,] Enc, float[,] Dec, float[] BEnc, float[] BDec, float[] Threshold) w, string architecture, bool applyBDec = true)
    {
        var f = new double[DSae];
        for (var i = 0; i < DSae; i++)
        {
            double pre = w.BEnc[i];
            for (var j = 0; j < x.Length; j++) pre += (x[j] - (applyBDec ? w.BDec[j] : 0)) * (double)w.Enc[j, i];
            f[i] = architecture switch
            {
                "jumprelu" => pre > w.Threshold[i] ? Math.Max(pre, 0) : 0,
                _ => Math.Max(pre, 0),
            };
        }
        if (architecture == "topk")
        {
            var keep = f.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(2).Select(p => p.i).ToHashSet();
            for (var i = 0; i < DSae; i++) if (!keep.Contains(i)) f[i] = 0;
        }
        return f;
    }

    [Theory]
    [InlineData("standard", true)]
    [InlineData("standard", false)]
    [InlineData("jumprelu", true)]
    [InlineData("topk", true)]
    public void Encode_and_decode_are_the_hand_computation(string architecture, bool applyBDec)
    {
        using var folder = new TempDirectory();
        var weights = Write(folder.Path, architecture, applyBDec: applyBDec, extra: architecture == "topk" ? ", \"k\": 2" : "");
        using var sae = SparseAutoencoder.Load(folder.Path);
        Assert.Equal("blocks.0.resid_post", sae.HookName);
        using var scope = NewDisposeScope();
        var x = randn(3, DIn, generator: new TorchSharp.torch.Generator(3));
        var features = sae.Encode(x);
        for (var row = 0; row < 3; row++)
        {
            var expected = EncodeByHand(x[row].data<float>().ToArray(), weights, architecture, applyBDec);
            TensorAssert.Close(tensor(expected), features[row], 1e-5);
            Assert.Contains(expected, v => v > 0); // the case tests something
        }
        var reconstruction = sae.Decode(features);
        var f = features[0].data<float>().ToArray();
        var byHand = Enumerable.Range(0, DIn).Select(j => weights.BDec[j] + Enumerable.Range(0, DSae).Sum(i => (double)f[i] * weights.Dec[i, j])).ToArray();
        TensorAssert.Close(tensor(byHand), reconstruction[0], 1e-5);
    }

    [Fact]
    public void A_feature_steers_along_its_decoder_row_reads_and_clamps_at_its_point()
    {
        using var folder = new TempDirectory();
        var weights = Write(folder.Path, "standard");
        using var sae = SparseAutoencoder.Load(folder.Path);
        var model = _tiny.Model;
        using var vector = sae.FeatureVector(model, 4, scale: 2);
        Assert.Equal("sae", vector.Method);
        using var scope = NewDisposeScope();
        TensorAssert.Close(tensor(Enumerable.Range(0, DIn).Select(j => 2.0 * weights.Dec[4, j]).ToArray()), vector["blocks.0.resid_post"], 1e-6);

        var (_, cache) = model.RunWithCache("I think dogs are", "blocks.0.resid_post");
        using (cache)
        {
            var activations = cache["blocks.0.resid_post"][0];
            var read = sae.ReadFeatures(model, "I think dogs are");
            TensorAssert.Close(tensor(EncodeByHand(activations[2].data<float>().ToArray(), weights, "standard")), read[2], 1e-5);

            // Clamping feature 1 to 3.0: x + (3 − f₁(x))·W_dec[1], the SAE's error kept.
            using var hooks = model.Hooks.CreateScope().Add("blocks.0.resid_post", sae.ClampFeature(1, 3.0));
            var clamped = hooks.Cache("blocks.0.resid_post");
            using (clamped)
            {
                model.Forward("I think dogs are");
                for (var pos = 0; pos < 4; pos++)
                {
                    var x = activations[pos].data<float>().ToArray();
                    var f1 = EncodeByHand(x, weights, "standard")[1];
                    var expected = x.Select((v, j) => v + (3.0 - f1) * weights.Dec[1, j]).ToArray();
                    TensorAssert.Close(tensor(expected), clamped["blocks.0.resid_post"][0, pos], 1e-4);
                }
            }
        }
    }

    [Fact]
    public void An_sae_whose_d_in_is_not_the_points_size_is_a_clear_error()
    {
        using var folder = new TempDirectory();
        Write(folder.Path, "standard", dIn: 16);
        using var sae = SparseAutoencoder.Load(folder.Path);
        var error = Assert.Throws<SteeringException>(() => sae.FeatureVector(_tiny.Model, 0));
        Assert.Contains("16", error.Message);
        Assert.Contains("[32]", error.Message);
        Assert.Contains("blocks.0.resid_post", error.Message);
        Assert.Contains("no feature 6", Assert.Throws<SteeringException>(() => sae.Direction(6)).Message);
    }

    [Fact]
    public void Bad_folders_name_the_file_and_the_problem()
    {
        using var folder = new TempDirectory();
        Write(folder.Path, "gated");
        Assert.Contains("'gated'", Assert.Throws<CheckpointException>(() => SparseAutoencoder.Load(folder.Path)).Message);
        Write(folder.Path, "jumprelu");
        File.WriteAllText(Path.Combine(folder.Path, "cfg.json"), File.ReadAllText(Path.Combine(folder.Path, "cfg.json")).Replace("\"d_sae\": 6", "\"d_sae\": 7"));
        var shape = Assert.Throws<CheckpointException>(() => SparseAutoencoder.Load(folder.Path));
        Assert.Contains("W_enc", shape.Message);
        File.Delete(Path.Combine(folder.Path, "sae_weights.safetensors"));
        Assert.Contains("sae_weights.safetensors", Assert.Throws<CheckpointException>(() => SparseAutoencoder.Load(folder.Path)).Message);
    }
}
