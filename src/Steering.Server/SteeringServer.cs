using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Steering.Serving;
using Steering.Server.OpenAi;

namespace Steering.Server;

/// <summary>
/// An OpenAI-compatible HTTP server over one model (ASP.NET Core on Kestrel): <c>GET /v1/models</c>,
/// <c>POST /v1/completions</c> (a prompt, for base models) and <c>POST /v1/chat/completions</c> (messages, rendered
/// with the model's chat template), each whole or streamed (<c>"stream": true</c>: server-sent events ending in
/// <c>data: [DONE]</c>). Concurrent requests are batched by a <see cref="GenerationScheduler"/>; each may carry its own
/// <c>"steering": [{"hook": "blocks.2.resid_pre", "vector": "NAME", "coefficient": 1.0}]</c> naming vectors registered
/// at start. <c>temperature: 0</c> is greedy. Bad requests get a 4xx with an OpenAI-style error body.
/// </summary>
public sealed class SteeringServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GenerationScheduler _scheduler;
    private readonly NamedVectors _vectors;

    private SteeringServer(WebApplication app, GenerationScheduler scheduler, NamedVectors vectors, Uri address)
    {
        _app = app;
        _scheduler = scheduler;
        _vectors = vectors;
        Address = address;
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:8000/</c>; the OpenAI base URL is this plus <c>v1</c>.</summary>
    public Uri Address { get; }

    /// <summary>The scheduler that runs the requests (for monitoring).</summary>
    public GenerationScheduler Scheduler => _scheduler;

    /// <summary>Loads the vectors, starts the scheduler and begins listening. The model stays the caller's, to dispose after the server.</summary>
    /// <exception cref="SteeringException">A vector file cannot be read.</exception>
    /// <exception cref="System.IO.IOException">The address is in use.</exception>
    public static async Task<SteeringServer> StartAsync(HookedTransformer model, SteeringServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SteeringServerOptions();
        var vectors = NamedVectors.Load(options.VectorFiles);
        var scheduler = new GenerationScheduler(model, new GenerationSchedulerOptions { MaxBatchSize = options.MaxBatchSize });
        WebApplication? app = null;
        try
        {
            app = Build(scheduler, vectors, options);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new SteeringServer(app, scheduler, vectors, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
        }
        catch
        {
            if (app is not null) await app.DisposeAsync().ConfigureAwait(false);
            scheduler.Dispose();
            vectors.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening (open streams end), then stops the scheduler and frees the vectors.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _scheduler.Dispose();
        _vectors.Dispose();
    }

    private static WebApplication Build(GenerationScheduler scheduler, NamedVectors vectors, SteeringServerOptions options)
    {
        // The empty builder: no configuration files or environment read from wherever the server happens to start.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(options.Address, options.Port));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var models = ApiResponses.Models(options.ModelName, created);
        app.MapGet("/v1/models", http => CompletionEndpoint.WriteJson(http, StatusCodes.Status200OK, models, http.RequestAborted));
        app.MapPost("/v1/completions", new CompletionEndpoint(scheduler, options.ModelName, vectors, ApiEndpoint.Completions).Handle);
        app.MapPost("/v1/chat/completions", new CompletionEndpoint(scheduler, options.ModelName, vectors, ApiEndpoint.ChatCompletions).Handle);
        app.MapFallback(http => CompletionEndpoint.WriteError(http,
            new ApiException($"no such endpoint: {http.Request.Method} {http.Request.Path}; this server has GET /v1/models, POST /v1/completions and POST /v1/chat/completions",
                status: StatusCodes.Status404NotFound)));
        return app;
    }
}
