using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Steering.Editing;
using Steering.Generation;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Server.Tests;

/// <summary>
/// A tiny random model served on loopback (an ephemeral port) with named vectors, and a second copy of the model,
/// loaded from the same folder, that computes what each request should return when run alone.
/// </summary>
public abstract class ServedModel : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private readonly Dictionary<string, string> _vectorFiles = new(StringComparer.Ordinal);

    protected ServedModel(string modelName) => ModelName = modelName;

    public string ModelName { get; }

    public string ModelDir => _folder.Path;

    public SteeringServer Server { get; private set; } = null!;

    public HookedTransformer Served { get; private set; } = null!;

    /// <summary>The same weights, never used by the server: expectations are computed here.</summary>
    public HookedTransformer Reference { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> VectorFiles => _vectorFiles;

    public Uri BaseUrl => new(Server.Address, "v1/");

    public async Task InitializeAsync()
    {
        WriteModel(_folder.Path);
        Served = HookedTransformer.Load(_folder.Path);
        Reference = HookedTransformer.Load(_folder.Path);
        using var generator = new Generator(21);
        var width = Served.Dimensions.DModel;
        WriteVector("love", randn(new long[] { width }, generator: generator) * 3, "blocks.0.resid_post");
        WriteVector("hate", randn(new long[] { width }, generator: generator) * 3, null);
        WriteVector("narrow", randn(new long[] { 7 }, generator: generator), null);
        Server = await SteeringServer.StartAsync(Served, new SteeringServerOptions { ModelName = ModelName, Port = 0, VectorFiles = _vectorFiles });
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Served.Dispose();
        Reference.Dispose();
        _folder.Dispose();
    }

    /// <summary>Writes the model's Hugging Face folder.</summary>
    protected abstract void WriteModel(string folder);

    /// <summary>The greedy continuation of <paramref name="prompt"/> alone, steered by (vector name, hook, coefficient) entries.</summary>
    public GeneratedSequence Alone(IReadOnlyList<int> prompt, int maxTokens, params (string Vector, string Hook, double Coefficient)[] steering)
    {
        var vectors = steering.Select(s => SteeringVector.Load(_vectorFiles[s.Vector])).ToList();
        try
        {
            var spec = steering.Length == 0 ? null
                : steering.Select((s, i) => (s, i)).Aggregate(SteeringSpec.Empty, (all, e) => all.Add(e.s.Hook, vectors[e.i].Values, e.s.Coefficient));
            return Reference.Generate(new[] { prompt }, GenerationOptions.Greedy(maxTokens) with { Steering = spec })[0];
        }
        finally
        {
            foreach (var vector in vectors) vector.Dispose();
        }
    }

    /// <summary>POSTs a JSON body to an endpoint (relative to /v1/).</summary>
    public Task<HttpResponseMessage> Post(string endpoint, string json) =>
        Http.PostAsync(endpoint, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>POSTs and parses the JSON answer (asserting the status).</summary>
    public async Task<JsonElement> PostJson(string endpoint, string json, int status = 200)
    {
        using var response = await Post(endpoint, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>POSTs a streaming request and returns its server-sent events' data, [DONE] included.</summary>
    public async Task<List<string>> PostStream(string endpoint, string json)
    {
        using var response = await Post(endpoint, json);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        return events.Select(e => e["data: ".Length..]).ToList();
    }

    private void WriteVector(string name, Tensor values, string? hook)
    {
        using (values)
        using (var vector = SteeringVector.FromTensor(values, hook))
        {
            var path = Path.Combine(_folder.Path, name + ".safetensors");
            vector.Save(path);
            _vectorFiles[name] = path;
        }
    }
}

/// <summary>A tiny random GPT-2 (2 blocks, d_model 32, context 64) with the GPT-2 tokenizer: the completions model.</summary>
public sealed class ServedGpt2 : ServedModel
{
    public ServedGpt2() : base("tiny-gpt2")
    {
    }

    protected override void WriteModel(string folder) => TinyGpt2.Write(folder);
}

/// <summary>
/// The tiny random GPT-2 with a ChatML chat template (chat_template.jinja) and a longer context: the chat model. Its
/// tokenizer covers the whole vocabulary, so every reply decodes to text.
/// </summary>
public sealed class ServedGpt2Chat : ServedModel
{
    private const string ChatMl = """
        {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
        """;

    public ServedGpt2Chat() : base("tiny-gpt2-chat")
    {
    }

    protected override void WriteModel(string folder)
    {
        TinyGpt2.Write(folder, TinyGpt2.Config(context: 128));
        File.WriteAllText(Path.Combine(folder, "chat_template.jinja"), ChatMl);
    }
}
