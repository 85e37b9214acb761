using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Steering.Server;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

/// <summary><c>steer serve</c>: what its server answers equals <c>steer generate --greedy</c> with the same additions; bad options are one-line errors.</summary>
[Collection(TinyModelGroup.Name)]
public sealed class ServeTests(TinyModelFixture tiny)
{
    [Fact]
    public async Task A_greedy_request_equals_steer_generate_greedy_with_the_same_add()
    {
        using var generator = new Generator(8);
        var love = tiny.WriteVector(randn(new long[] { tiny.Config.NEmbd }, generator: generator) * 3);
        var hate = tiny.WriteVector(randn(new long[] { tiny.Config.NEmbd }, generator: generator) * 3);
        var cli = Steer.Ok("generate", tiny.ModelDir, "--prompt", "I think dogs are", "-n", "12", "--greedy",
            "--add", $"blocks.1.resid_pre={love}*2.5", "--add", $"blocks.0.resid_post={hate}*-4", "--print-ids");
        var printed = cli.Out[..cli.Out.LastIndexOf("\nids: ", StringComparison.Ordinal)].TrimEnd('\r');
        var ids = cli.OutLines[^1]["ids: ".Length..].Split(',');

        using var model = tiny.Load();
        await using var server = await SteeringServer.StartAsync(model, new SteeringServerOptions
        {
            Port = 0,
            ModelName = "tiny",
            VectorFiles = new Dictionary<string, string> { ["love"] = love, ["hate"] = hate },
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Address, "v1/") };
        const string body = """
            {"model": "tiny", "prompt": "I think dogs are", "max_tokens": 12, "temperature": 0,
             "steering": [{"hook": "blocks.1.resid_pre", "vector": "love", "coefficient": 2.5},
                          {"hook": "blocks.0.resid_post", "vector": "hate", "coefficient": -4}]}
            """;
        using var response = await http.PostAsync("completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("I think dogs are" + json.GetProperty("choices")[0].GetProperty("text").GetString(), printed);
        Assert.Equal(ids.Length, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData("--vector", "novalue", "--vector 'novalue' is not NAME=FILE")]
    [InlineData("--port", "70000", "--port 70000 is not a TCP port")]
    [InlineData("--host", "nowhere", "--host 'nowhere' is not an IP address")]
    [InlineData("--max-batch-size", "0", "--max-batch-size is 0")]
    public void Bad_serve_options_are_one_line_errors(string option, string value, string message)
    {
        Assert.Contains(message, Steer.Fails("serve", tiny.ModelDir, option, value), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_vector_file_is_named_before_the_server_starts()
    {
        var missing = tiny.NewFile("missing.safetensors");
        Assert.Contains(missing, Steer.Fails("serve", tiny.ModelDir, "--port", "0", "--vector", $"love={missing}"), StringComparison.Ordinal);
    }
}
