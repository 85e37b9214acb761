using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace Steering.Server.Tests;

/// <summary>Bad requests get a 4xx with an OpenAI-style error, a client that leaves mid-stream frees its row, and the server goes on serving.</summary>
public sealed class BadRequestTests(ServedGpt2 served) : IClassFixture<ServedGpt2>
{
    [Theory]
    [InlineData("{\"prompt\": \"I think\", ", 400, "not valid JSON", null)]
    [InlineData("[1, 2]", 400, "must be a JSON object", null)]
    [InlineData("{\"max_tokens\": 3}", 400, "'prompt' is required", "prompt")]
    [InlineData("{\"prompt\": \"I think\", \"max_tokens\": \"many\"}", 400, "'max_tokens' must be an integer", "max_tokens")]
    [InlineData("{\"prompt\": \"I think\", \"max_tokens\": 1000000000}", 400, "max_tokens is 1000000000", "max_tokens")]
    [InlineData("{\"prompt\": \"I think\", \"max_tokens\": 0}", 400, "at least 1", "max_tokens")]
    [InlineData("{\"prompt\": \"I think\", \"temperature\": -1}", 400, "temperature is -1", "temperature")]
    [InlineData("{\"prompt\": \"I think\", \"n\": 2}", 400, "only n = 1", "n")]
    [InlineData("{\"prompt\": [1, 99999999]}", 400, "token id 99999999 is outside the vocabulary", null)]
    [InlineData("{\"model\": \"gpt-4o\", \"prompt\": \"I think\"}", 404, "The model 'gpt-4o' does not exist", "model")]
    [InlineData("{\"prompt\": \"I think\", \"steering\": [{\"vector\": \"nope\", \"hook\": \"blocks.0.resid_post\"}]}", 400, "unknown steering vector 'nope'; the server has 'hate', 'love', 'narrow'", "steering")]
    [InlineData("{\"prompt\": \"I think\", \"steering\": [{\"vector\": \"love\", \"hook\": \"blocks.7.resid_post\"}]}", 400, "did you mean 'blocks.1.resid_post'", null)]
    [InlineData("{\"prompt\": \"I think\", \"steering\": [{\"vector\": \"hate\"}]}", 400, "needs \"hook\"", "steering")]
    [InlineData("{\"prompt\": \"I think\", \"steering\": [{\"vector\": \"narrow\", \"hook\": \"blocks.0.resid_post\"}]}", 400, "[7]", null)]
    [InlineData("{\"prompt\": \"I think\", \"steering\": {\"vector\": \"love\"}}", 400, "'steering' must be a list of objects", "steering")]
    public async Task A_bad_completion_request_gets_an_openai_error_and_the_server_keeps_serving(string body, int status, string message, string? param)
    {
        var json = await served.PostJson("completions", body, status);
        var error = json.GetProperty("error");
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(status == 404 ? "not_found_error" : "invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        await StillServes();
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused()
    {
        var longPrompt = string.Join(" ", Enumerable.Repeat("dogs", served.Served.Dimensions.NCtx + 5));
        var json = await served.PostJson("completions", JsonSerializer.Serialize(new { prompt = longPrompt }), 400);
        Assert.Equal("context_length_exceeded", json.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("the model's context is 64 tokens", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        await StillServes();
    }

    [Fact]
    public async Task Chat_on_a_model_without_a_chat_template_and_unknown_endpoints_are_clear()
    {
        var chat = await served.PostJson("chat/completions", """{"messages": [{"role": "user", "content": "hi"}]}""", 400);
        Assert.Contains("chat template", chat.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var missing = await served.PostJson("embeddings", "{}", 404);
        Assert.Contains("no such endpoint: POST /v1/embeddings", missing.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_leaves_the_batch_and_frees_its_cache()
    {
        using (var request = new HttpRequestMessage(HttpMethod.Post, "completions"))
        {
            request.Content = new StringContent("""{"prompt": "I think dogs are", "max_tokens": 55, "temperature": 0, "stream": true}""", Encoding.UTF8, "application/json");
            using var response = await served.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        } // disposing the response closes the connection mid-stream

        var scheduler = served.Server.Scheduler;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!(scheduler.IsIdle && scheduler.RunningCount == 0 && scheduler.QueuedCount == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "the abandoned request was not dropped");
            await Task.Delay(10);
        }
        Assert.Equal(0, scheduler.CachedPositions);
        await StillServes();
    }

    private async Task StillServes()
    {
        var json = await served.PostJson("completions", """{"prompt": "I think dogs are", "max_tokens": 3, "temperature": 0}""");
        Assert.Equal(served.Alone(served.Reference.Tokenizer.Encode("I think dogs are"), 3).Text, json.GetProperty("choices")[0].GetProperty("text").GetString());
    }
}
