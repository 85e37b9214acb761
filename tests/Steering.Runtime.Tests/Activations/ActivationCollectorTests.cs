using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Activations;
using Steering.Chat;
using Steering.Tests.Support;
using static TorchSharp.torch;

namespace Steering.Tests.Activations;

/// <summary>Batched, left-padded collection against one prompt at a time and against activations read by hand.</summary>
public sealed class ActivationCollectorTests : IClassFixture<TinyGpt2Folder>
{
    private static readonly string[] Prompts =
    {
        "Love", "I think dogs are", "Hate is a strong word to use", "a", "The weather today is", "Cats", "We went to the market and bought",
    };

    private static readonly string[] Points = { "blocks.0.resid_post", "blocks.1.attn.z", "blocks.1.mlp.post" };

    private readonly TinyGpt2Folder _tiny;

    public ActivationCollectorTests(TinyGpt2Folder tiny)
    {
        _tiny = tiny;
        _ = tiny.Model; // loaded here, outside any test's dispose scope, which would free its weights
    }

    private HookedTransformer Model => _tiny.Model;

    [Fact]
    public void Batched_collection_equals_one_prompt_at_a_time()
    {
        var points = Points.Select(p => Model.Hooks[p]).ToList();
        var inputs = Prompts.Select(p => (PromptInput)p).ToList();
        foreach (var reduction in new[] { TokenReduction.LastToken, TokenReduction.Mean, TokenReduction.At(0), TokenReduction.AnswerMean })
        {
            using var batched = ActivationCollector.Collect(Model, inputs, points, reduction, new CollectionOptions { BatchSize = 4 });
            using var single = ActivationCollector.Collect(Model, inputs, points, reduction, new CollectionOptions { BatchSize = 1 });
            foreach (var point in Points)
            {
                Assert.Equal(Prompts.Length, batched[point].shape[0]);
                TensorAssert.Close(single[point], batched[point], 1e-5);
            }
        }
    }

    [Fact]
    public void Reductions_are_the_activations_read_by_hand()
    {
        var points = new[] { Model.Hooks["blocks.1.attn.z"], Model.Hooks["blocks.0.resid_post"] };
        var inputs = Prompts.Select(p => (PromptInput)p).ToList();
        using var last = ActivationCollector.Collect(Model, inputs, points, TokenReduction.LastToken);
        using var mean = ActivationCollector.Collect(Model, inputs, points, TokenReduction.Mean);
        using var first = ActivationCollector.Collect(Model, inputs, points, TokenReduction.At(0));
        using var scope = NewDisposeScope();
        for (var i = 0; i < Prompts.Length; i++)
        {
            var (_, cache) = Model.RunWithCache(Prompts[i], "blocks.1.attn.z", "blocks.0.resid_post");
            using (cache)
            {
                foreach (var point in points.Select(p => p.Name))
                {
                    var activation = cache[point][0]; // [pos, ...]
                    TensorAssert.Close(activation[-1], last[point][i], 1e-5);
                    TensorAssert.Close(activation.mean(new long[] { 0 }), mean[point][i], 1e-5);
                    TensorAssert.Close(activation[0], first[point][i], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void A_chat_answer_is_found_by_the_chat_template_and_read_alone()
    {
        using var folder = new TempDirectory();
        TinyGpt2.Write(folder.Path);
        File.WriteAllText(folder.File("tokenizer_config.json"),
            """{"chat_template": "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"}""");
        using var model = HookedTransformer.Load(folder.Path);
        var question = new[] { ChatMessage.User("Do you like dogs? (A) yes (B) no") };
        var prompt = PromptInput.Chat(question, "(A) yes");
        var tokens = prompt.Tokenize(model.Tokenizer);

        Assert.Equal("(A) yes", model.Tokenizer.Decode(tokens.Ids.Skip(tokens.AnswerStart).Take(tokens.AnswerEnd - tokens.AnswerStart)));
        Assert.Equal(tokens.Ids.Count, tokens.AnswerEnd); // the template's closing newline is left out: the last token is the answer's
        Assert.StartsWith(model.Tokenizer.ApplyChatTemplate(question), model.Tokenizer.Decode(tokens.Ids), System.StringComparison.Ordinal);

        var point = model.Hooks["blocks.1.resid_post"];
        using var answer = ActivationCollector.Collect(model, new[] { tokens }, new[] { point }, TokenReduction.AnswerMean);
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(model.TokenTensor(tokens.Ids), null, name => name == point.Name);
        using (cache)
            TensorAssert.Close(cache[point.Name][0, TensorIndex.Slice(tokens.AnswerStart, tokens.AnswerEnd)].mean(new long[] { 0 }), answer[point.Name][0], 1e-5);
    }

    [Fact]
    public void Progress_is_reported_per_batch_and_results_go_where_asked()
    {
        var reports = new List<CollectionProgress>();
        var options = new CollectionOptions { BatchSize = 3, Progress = new Recorder(reports), DType = ScalarType.Float64 };
        using var collected = ActivationCollector.Collect(Model, Prompts.Select(p => (PromptInput)p).ToList(), new[] { Model.Hooks["blocks.0.resid_post"] }, TokenReduction.LastToken, options);
        Assert.Equal(new[] { new CollectionProgress(3, 7), new CollectionProgress(6, 7), new CollectionProgress(7, 7) }, reports);
        Assert.Equal(ScalarType.Float64, collected["blocks.0.resid_post"].dtype);
        Assert.Equal(TorchSharp.DeviceType.CPU, collected["blocks.0.resid_post"].device_type);
    }

    [Fact]
    public void Run_with_cache_takes_a_batch_and_a_names_filter()
    {
        using var scope = NewDisposeScope();
        var (logits, cache, mask) = Model.RunWithCache(new[] { "Love", "I think dogs are" }, name => name.EndsWith("resid_post", System.StringComparison.Ordinal));
        using (cache)
        {
            Assert.Equal(new[] { "blocks.0.resid_post", "blocks.1.resid_post" }, cache.Names.Order());
            Assert.Equal(new long[] { 2, 4, 50257 }, logits.shape);
            Assert.Equal(new long[] { 0, 0, 0, 1 }, TensorAssert.Longs(mask[0]));
            var (_, alone) = Model.RunWithCache("Love", "blocks.1.resid_post");
            using (alone)
                TensorAssert.Close(alone["blocks.1.resid_post"][0, -1], cache["blocks.1.resid_post"][0, -1], 1e-5);
        }
    }

    [Fact]
    public void Points_without_a_vector_and_empty_prompts_are_clear_errors()
    {
        var pattern = Assert.Throws<SteeringException>(() =>
            ActivationCollector.Collect(Model, new PromptInput[] { "Love" }, new[] { Model.Hooks["blocks.0.attn.pattern"] }, TokenReduction.LastToken));
        Assert.Contains("blocks.0.attn.pattern", pattern.Message);
        Assert.Throws<SteeringException>(() =>
            ActivationCollector.Collect(Model, System.Array.Empty<PromptInput>(), new[] { Model.Hooks["blocks.0.resid_post"] }, TokenReduction.LastToken));
        Assert.Contains("position 5", Assert.Throws<SteeringException>(() =>
            ActivationCollector.Collect(Model, new PromptInput[] { "Love" }, new[] { Model.Hooks["blocks.0.resid_post"] }, TokenReduction.At(5))).Message);
    }

    private sealed class Recorder(List<CollectionProgress> reports) : System.IProgress<CollectionProgress>
    {
        public void Report(CollectionProgress value) => reports.Add(value);
    }
}
