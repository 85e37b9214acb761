using Steering.Checkpoints.Gguf;
using Steering.Export;
using Xunit.Abstractions;

namespace Steering.LlamaCpp.Tests;

/// <summary>Our GGUF export of GPT-2, loaded and run by llama.cpp, computes our logits.</summary>
[Collection(TinyGpt2Group.Name)]
public sealed class GgufExportTests(TinyGpt2Model tiny, ITestOutputHelper output)
{
    [Fact]
    public void Llama_cpp_reads_the_architecture_sizes_and_vocabulary()
    {
        Assert.Equal("gpt2", tiny.Engine.Metadata("general.architecture"));
        Assert.Equal(32, tiny.Engine.EmbeddingLength);
        Assert.Equal(50257, tiny.Engine.VocabularySize);
    }

    [Fact]
    public void F32_export_gives_our_logits_within_ggmls_float16_gelu_table()
    {
        // llama.cpp's CPU GELU is not float32-exact: ggml rounds the input to float16 and looks GELU up in a float16
        // table; the layer norms amplify that (measured 7.7e-4 on c0c7e147, logit std 0.54). Without the MLP the rest
        // agrees to float32 rounding (9.5e-7, the next test).
        using var ours = tiny.OurLogits();
        var difference = TinyGpt2Model.MaxDifference(tiny.Engine.Logits(tiny.Ids), ours);
        output.WriteLine($"F32: max |llama.cpp - ours| = {difference:E2} over {tiny.Ids.Length} positions x 50257 logits (logit std {ours.std().item<double>():F2})");
        Assert.True(difference <= TinyGpt2Model.GeluTolerance, $"max difference {difference:E2}");
    }

    [Fact]
    public void F32_export_without_the_gelu_gives_our_logits_within_float32_rounding()
    {
        // Zero MLP output weights take the GELU out of the computation; embeddings, norms, attention, every bias
        // (ffn_down's included) and the tied output remain, and must agree to float32 rounding.
        using var model = tiny.LoadCopy();
        TinyGpt2Model.ZeroMlpOutputWeights(model);
        var path = tiny.File("no-gelu.f32.gguf");
        GgufModelExport.Write(model, path, GgmlType.F32);
        using var engine = new LlamaCppEngine(path);
        using var ours = tiny.OurLogits(model);
        var difference = TinyGpt2Model.MaxDifference(engine.Logits(tiny.Ids), ours);
        output.WriteLine($"F32, MLP output weights zero: max |llama.cpp - ours| = {difference:E2}");
        Assert.True(difference <= 1e-5, $"max difference {difference:E2}");
    }

    [Fact]
    public void Llama_cpp_tokenizes_as_the_model_folder_tokenizer_does()
    {
        var theirs = tiny.Engine.Weights.Tokenize(TinyGpt2Model.Prompt + " <|endoftext|> Ünïcödé ☃ 12345", add_bos: false, special: true, System.Text.Encoding.UTF8);
        var ours = tiny.Model.Tokenizer.Encode(TinyGpt2Model.Prompt + " <|endoftext|> Ünïcödé ☃ 12345");
        Assert.Equal(ours, System.Array.ConvertAll(theirs, t => (int)t));
    }

    [Theory]
    [InlineData(GgmlType.F16, 2e-2)]
    [InlineData(GgmlType.BF16, 1e-1)]
    [InlineData(GgmlType.Q8_0, 1e-1)]
    public void Reduced_precision_exports_load_and_stay_close(GgmlType type, double tolerance)
    {
        var path = tiny.File($"tiny-gpt2.{type}.gguf");
        GgufModelExport.Write(tiny.Model, path, type);
        using var engine = new LlamaCppEngine(path);
        using var ours = tiny.OurLogits();
        var difference = TinyGpt2Model.MaxDifference(engine.Logits(tiny.Ids), ours);
        output.WriteLine($"{type}: max |llama.cpp - ours (F32)| = {difference:E2}");
        Assert.True(difference <= tolerance, $"max difference {difference:E2}");
    }
}
