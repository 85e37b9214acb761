using System;
using System.IO;
using System.Linq;
using System.Text;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Steering.LlamaCpp.Tests;

/// <summary>
/// Llama-family exports beyond an F32 file from a tokenizer.json folder: a folder with only a SentencePiece
/// tokenizer.model, and F16, BF16 and Q8_0 files, each loaded and run by llama.cpp.
/// </summary>
[Collection(TinyLlamaFamiliesGroup.Name)]
public sealed class LlamaExportFormsTests(TinyLlamaFamilies tiny, ITestOutputHelper output)
{
    [Fact]
    public void A_folder_with_only_a_sentencepiece_model_exports_and_llama_cpp_tokenizes_and_computes_as_we_do()
    {
        // The Mistral tiny model's weights with tokenizer.model (the Llama 2/Mistral cut's pieces, as SentencePiece
        // writes them) instead of tokenizer.json: transformers converts it into the same tokenizer, so Hugging Face's
        // ids of the cut are the expected ones in llama.cpp too.
        var mistral = tiny["mistral"];
        var folder = tiny.File("mistral-spm");
        mistral.Model.Save(folder);
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        SentencePieceModelWriter.Write(Path.Combine(TinyLlamaFamilies.TokenizerFolder("llama2"), "tokenizer.json"), Path.Combine(folder, "tokenizer.model"));
        using var model = HookedTransformer.Load(folder);
        Assert.Equal("SentencePiece BPE (tokenizer.model)", model.Tokenizer.Kind);
        var path = tiny.File("mistral-spm.f32.gguf");
        GgufModelExport.Write(model, path);
        using var engine = new LlamaCppEngine(path);

        var cases = LlamaFamilyExportTests.Cases("llama2");
        var differing = cases.Where(c => !c.Ids.SequenceEqual(engine.Weights.Tokenize(c.Text, add_bos: true, special: true, Encoding.UTF8).Select(t => (int)t))).Select(c => c.Text).ToList();
        output.WriteLine($"tokenizer.model: {cases.Count - differing.Count} of {cases.Count} reference cases tokenized identically in llama.cpp");
        Assert.Empty(differing);
        using var ours = TinyLlamaFamilies.OurLogits(model, mistral.Ids);
        var difference = TinyGpt2Model.MaxDifference(engine.Logits(mistral.Ids), ours);
        output.WriteLine($"tokenizer.model folder: max |llama.cpp - ours| = {difference:E2}");
        Assert.True(difference <= TinyLlamaFamilies.Tolerance("mistral"), $"max difference {difference:E2}");
    }

    /// <summary>
    /// Reduced-precision files of the Llama 3-style model (GQA, untied, llama3 rope scaling) against our float32 logits.
    /// The bound is relative to what rounding our own weights to the type moves our logits (F16, BF16: every matrix,
    /// embedding included, rounded to nearest; Q8_0: blocks of 32 scaled by max/127, rounded to those 8-bit levels). llama.cpp also rounds the activations it multiplies (to F16 for F16 and BF16 weights, to Q8_0
    /// for Q8_0 weights), about as much again, so its difference stays within a few times ours.
    /// </summary>
    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    [InlineData(GgmlType.Q8_0)]
    public void Reduced_precision_exports_load_and_stay_within_their_rounding(GgmlType type)
    {
        var llama3 = tiny["llama3"];
        var path = tiny.File($"llama3.{type}.gguf");
        GgufModelExport.Write(llama3.Model, path, type);
        using var engine = new LlamaCppEngine(path);
        using var ours = TinyLlamaFamilies.OurLogits(llama3.Model, llama3.Ids);
        var difference = TinyGpt2Model.MaxDifference(engine.Logits(llama3.Ids), ours);

        using var rounded = HookedTransformer.Load(llama3.Folder);
        using (no_grad())
        {
            foreach (var (_, parameter) in rounded.NamedParameters().Where(p => p.Parameter.dim() == 2))
                parameter.copy_(RoundedAs(parameter, type));
        }
        using var roundedLogits = TinyLlamaFamilies.OurLogits(rounded, llama3.Ids);
        var ownRounding = (roundedLogits - ours).abs().max().item<double>();
        output.WriteLine($"{type}: max |llama.cpp - ours (F32)| = {difference:E2}; our own weights rounded to {type} move logits by {ownRounding:E2}");
        Assert.True(ownRounding > 0, "rounding changed nothing");
        Assert.True(difference <= 4 * ownRounding, $"max difference {difference:E2} against {ownRounding:E2} from rounding the weights");
    }

    /// <summary>
    /// A weight matrix rounded as the export stores it: Q8_0 in blocks of 32 along rows, F16 for rows that are not whole
    /// blocks (here d_model 48: all but ffn_down), as the converter does.
    /// </summary>
    private static Tensor RoundedAs(Tensor weight, GgmlType type) => type switch
    {
        GgmlType.BF16 => weight.to(ScalarType.BFloat16).to(ScalarType.Float32),
        GgmlType.Q8_0 when weight.shape[^1] % 32 == 0 => Q8Rounded(weight),
        _ => weight.to(ScalarType.Float16).to(ScalarType.Float32),
    };

    private static Tensor Q8Rounded(Tensor weight)
    {
        var blocks = weight.reshape(-1, 32);
        var scale = blocks.abs().amax([1], keepdim: true).div(127).to(ScalarType.Float16).to(ScalarType.Float32);
        var levels = blocks.div(scale.clamp_min(1e-30)).round();
        return levels.mul(scale).reshape(weight.shape);
    }
}
