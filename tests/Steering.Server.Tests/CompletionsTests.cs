using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace Steering.Server.Tests;

/// <summary><c>/v1/models</c> and <c>/v1/completions</c> over raw HTTP, whole and streamed, steered per request.</summary>
public sealed class CompletionsTests(ServedGpt2 served) : IClassFixture<ServedGpt2>
{
    private const string Prompt = "I think dogs are";

    private static string Body(string prompt, int maxTokens, string extra = "") =>
        $$"""{"model": "tiny-gpt2", "prompt": {{JsonSerializer.Serialize(prompt)}}, "max_tokens": {{maxTokens}}, "temperature": 0{{extra}}}""";

    [Fact]
    public async Task Models_lists_the_served_model()
    {
        using var response = await served.Http.GetAsync("models");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("list", json.GetProperty("object").GetString());
        Assert.Equal("tiny-gpt2", json.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal("model", json.GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Fact]
    public async Task A_greedy_completion_is_the_greedy_continuation_with_usage_and_finish_reason()
    {
        var prompt = served.Reference.Tokenizer.Encode(Prompt);
        var expected = served.Alone(prompt, 12);
        var json = await served.PostJson("completions", Body(Prompt, 12));
        Assert.Equal("text_completion", json.GetProperty("object").GetString());
        Assert.Equal("tiny-gpt2", json.GetProperty("model").GetString());
        var choice = json.GetProperty("choices")[0];
        Assert.Equal(expected.Text, choice.GetProperty("text").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal(prompt.Length, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(12, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(prompt.Length + 12, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Each_requests_steering_field_steers_that_request_only()
    {
        var prompt = served.Reference.Tokenizer.Encode(Prompt);
        (string, string, double)[][] steerings =
        [
            [],
            [("love", "blocks.0.resid_post", 4)],
            [("love", "blocks.0.resid_post", -4)],
            [("hate", "blocks.1.resid_pre", 5), ("love", "blocks.1.hook_resid_post", 2)],
        ];
        var expected = steerings.Select(s => served.Alone(prompt, 10, s).Text).ToList();
        Assert.Equal(expected.Count, expected.Distinct().Count()); // the steering changes the text
        var bodies = steerings.Select(s => Body(Prompt, 10, s.Length == 0 ? "" :
            ", \"steering\": [" + string.Join(", ", s.Select(e => $$"""{"vector": "{{e.Item1}}", "hook": "{{e.Item2}}", "coefficient": {{e.Item3}}}""")) + "]"));
        var answers = await Task.WhenAll(bodies.Select(b => served.PostJson("completions", b)));
        Assert.Equal(expected, answers.Select(a => a.GetProperty("choices")[0].GetProperty("text").GetString()));

        // A vector whose file names its hook point needs no "hook".
        var fromFile = await served.PostJson("completions", Body(Prompt, 10, """, "steering": [{"vector": "love", "coefficient": 4}]"""));
        Assert.Equal(expected[1], fromFile.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_streamed_completion_sends_the_same_text_in_events_then_usage_then_done()
    {
        var whole = await served.PostJson("completions", Body(Prompt, 9));
        var events = await served.PostStream("completions", Body(Prompt, 9, """, "stream": true, "stream_options": {"include_usage": true}"""));
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        var texts = chunks.SkipLast(1).Select(c => c.GetProperty("choices")[0]).ToList();
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("text").GetString(), string.Concat(texts.Select(c => c.GetProperty("text").GetString())));
        Assert.Equal("length", texts[^1].GetProperty("finish_reason").GetString());
        Assert.All(texts.SkipLast(1), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(9, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_before_it_with_finish_reason_stop()
    {
        var free = served.Alone(served.Reference.Tokenizer.Encode(Prompt), 16).Text;
        var stop = free.Substring(free.Length / 2, 2);
        var json = await served.PostJson("completions", Body(Prompt, 16, $", \"stop\": {JsonSerializer.Serialize(stop)}"));
        var choice = json.GetProperty("choices")[0];
        Assert.Equal(free[..free.IndexOf(stop, System.StringComparison.Ordinal)], choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task A_prompt_of_token_ids_is_taken_as_is_and_a_seeded_sample_repeats()
    {
        var ids = served.Reference.Tokenizer.Encode(Prompt);
        var expected = served.Alone(ids, 6).Text;
        var json = await served.PostJson("completions", $$"""{"prompt": [{{string.Join(",", ids)}}], "max_tokens": 6, "temperature": 0}""");
        Assert.Equal(expected, json.GetProperty("choices")[0].GetProperty("text").GetString());

        const string sampled = """{"prompt": "I think dogs are", "max_tokens": 8, "temperature": 1.3, "top_p": 0.95, "top_k": 50, "seed": 77}""";
        var first = await served.PostJson("completions", sampled);
        var second = await served.PostJson("completions", sampled);
        Assert.Equal(first.GetProperty("choices")[0].GetProperty("text").GetString(), second.GetProperty("choices")[0].GetProperty("text").GetString());
    }
}
