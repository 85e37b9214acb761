using System;
using System.ClientModel;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using Steering.Editing;
using Steering.Extensions.AI;
using Steering.Vectors;
using TemplateMessage = Steering.Chat.ChatMessage;

namespace Steering.Server.Tests;

/// <summary>
/// Chat completions through the real OpenAI .NET client (Microsoft.Extensions.AI.OpenAI) against the server on
/// loopback, and the in-process <see cref="SteeringChatClient"/> and its DI registration: all give the model's greedy
/// reply to the conversation rendered with its chat template.
/// </summary>
public sealed class ChatTests(ServedGpt2Chat served) : IClassFixture<ServedGpt2Chat>
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "You are a helpful assistant."),
        new(ChatRole.User, "What is the capital of France?"),
    ];

    private IChatClient OpenAiClient() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(served.Server.Address, "v1") })
            .GetChatClient(served.ModelName).AsIChatClient();

    /// <summary>The conversation as the template renders it, tokenized (what every client must send the model).</summary>
    private int[] PromptIds() => served.Reference.Tokenizer.EncodeChat(
        [TemplateMessage.System("You are a helpful assistant."), TemplateMessage.User("What is the capital of France?")]);

    [Fact]
    public async Task The_openai_client_gets_the_greedy_reply_with_usage_and_finish_reason()
    {
        var prompt = PromptIds();
        var expected = served.Alone(prompt, 8);
        using var client = OpenAiClient();
        var response = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 8 });
        Assert.NotEmpty(expected.Text);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(prompt.Length, response.Usage!.InputTokenCount);
        Assert.Equal(8, response.Usage.OutputTokenCount);
        Assert.Equal(prompt.Length + 8, response.Usage.TotalTokenCount);
        Assert.Equal(served.ModelName, response.ModelId);
    }

    [Fact]
    public async Task The_openai_client_streams_the_same_reply()
    {
        var expected = served.Alone(PromptIds(), 10);
        using var client = OpenAiClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 10 }))
            updates.Add(update);
        Assert.True(updates.Count > 2);
        var response = updates.ToChatResponse();
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task Sampling_options_pass_through_a_seed_repeats_and_a_stop_sequence_cuts()
    {
        using var client = OpenAiClient();
        var sampled = new ChatOptions { Temperature = 1.2f, TopP = 0.9f, Seed = 5, MaxOutputTokens = 12 };
        var first = await client.GetResponseAsync(Conversation, sampled);
        Assert.Equal(first.Text, (await client.GetResponseAsync(Conversation, sampled)).Text);

        var free = served.Alone(PromptIds(), 16).Text;
        var stop = free.Substring(free.Length / 2, 2);
        var cut = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 16, StopSequences = [stop] });
        Assert.Equal(free[..free.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
    }

    /// <summary>
    /// Greedy chat options whose request carries <paramref name="steering"/> (the server's JSON "steering" field, null:
    /// none). The OpenAI client has no such option, so it goes in through the client's own JSON patch of its request
    /// (ChatCompletionOptions.Patch, marked experimental in OpenAI 2.x: SCME0001).
    /// </summary>
    private static ChatOptions Greedy(int maxTokens, string? steering = null) => new()
    {
        Temperature = 0,
        MaxOutputTokens = maxTokens,
        RawRepresentationFactory = steering is null ? null : _ =>
        {
            var request = new OpenAI.Chat.ChatCompletionOptions();
#pragma warning disable SCME0001
            request.Patch.Set("$.steering"u8, BinaryData.FromString(steering));
#pragma warning restore SCME0001
            return request;
        },
    };

    [Fact]
    public async Task The_openai_client_steers_each_request_through_the_steering_field_patched_into_its_json()
    {
        var prompt = PromptIds();
        var greedy = Greedy(8);
        var love = Greedy(8, """[{"vector": "love", "hook": "blocks.1.resid_pre", "coefficient": 5}]""");
        var against = Greedy(8, """[{"vector": "love", "hook": "blocks.1.resid_pre", "coefficient": -5}, {"vector": "love", "coefficient": 2}]""");
        var expected = new[]
        {
            served.Alone(prompt, 8, ("love", "blocks.1.resid_pre", 5)).Text,
            served.Alone(prompt, 8, ("love", "blocks.1.resid_pre", -5), ("love", "blocks.0.resid_post", 2)).Text,
            served.Alone(prompt, 8).Text,
        };
        Assert.Equal(3, expected.Distinct().Count()); // the steering changes the reply

        using var client = OpenAiClient();
        var replies = await Task.WhenAll(new[] { love, against, greedy }.Select(options => client.GetResponseAsync(Conversation, options)));
        Assert.Equal(expected, replies.Select(r => r.Text));

        var streamed = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, love)) streamed.Add(update);
        Assert.Equal(expected[0], streamed.ToChatResponse().Text);

        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(Conversation,
            Greedy(8, """[{"vector": "nope", "coefficient": 1}]""")));
        Assert.Contains("nope", unknown.Message);
    }

    [Fact]
    public async Task The_in_process_chat_client_steers_one_call_through_chat_options()
    {
        var prompt = PromptIds();
        using var client = new SteeringChatClient(served.Server.Scheduler, new SteeringChatClientOptions { ModelId = "local" });
        Assert.Equal(served.Alone(prompt, 8).Text, (await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 8 })).Text);

        using var love = SteeringVector.Load(served.VectorFiles["love"]);
        var options = new ChatOptions { MaxOutputTokens = 8 }.WithSteering(SteeringSpec.Empty.Add("blocks.1.resid_pre", love.Values, 5));
        var steered = served.Alone(prompt, 8, ("love", "blocks.1.resid_pre", 5));
        var calls = await Task.WhenAll(
            client.GetResponseAsync(Conversation, options),
            client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 8 }));
        Assert.Equal(steered.Text, calls[0].Text);
        Assert.Equal(served.Alone(prompt, 8).Text, calls[1].Text);
        Assert.NotEqual(calls[0].Text, calls[1].Text);
        Assert.Equal(prompt.Length, calls[0].Usage!.InputTokenCount);
        Assert.Equal("local", calls[0].ModelId);

        var streamed = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, options)) streamed.Add(update);
        var whole = streamed.ToChatResponse();
        Assert.Equal(steered.Text, whole.Text);
        Assert.Equal(8, whole.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, whole.FinishReason);
    }

    [Fact]
    public async Task Dependency_injection_registers_a_chat_client_over_the_model()
    {
        var services = new ServiceCollection();
        services.AddSteeringChatClient(served.ModelDir, new SteeringChatClientOptions { ModelId = "di" });
        await using (var provider = services.BuildServiceProvider())
        {
            var client = provider.GetRequiredService<IChatClient>();
            var response = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 6 });
            Assert.Equal(served.Alone(PromptIds(), 6).Text, response.Text);
            Assert.Equal("di", client.GetService<ChatClientMetadata>()!.DefaultModelId);
            Assert.Same(provider.GetRequiredService<HookedTransformer>(), client.GetService<HookedTransformer>());
        }
    }

    [Fact]
    public async Task A_bad_chat_request_is_a_clear_error()
    {
        var json = await served.PostJson("chat/completions", """{"messages": []}""", 400);
        Assert.Equal("messages", json.GetProperty("error").GetProperty("param").GetString());
        json = await served.PostJson("chat/completions", """{"messages": [{"content": "hi"}]}""", 400);
        Assert.Contains("'role'", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        using var client = OpenAiClient();
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 100000 }));
    }
}
