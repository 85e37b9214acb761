using System;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Steering.Serving;

namespace Steering.Extensions.AI;

/// <summary>Registers a steered model as the application's <see cref="IChatClient"/>.</summary>
public static class SteeringServiceCollectionExtensions
{
    /// <summary>
    /// Registers the model in <paramref name="modelFolder"/> (loaded on first use), one <see cref="GenerationScheduler"/>
    /// over it, and a <see cref="SteeringChatClient"/> as the <see cref="IChatClient"/>; all singletons, disposed with the
    /// container. Returns the builder of the client pipeline (add logging, caching, ... with its <c>Use</c> methods).
    /// </summary>
    public static ChatClientBuilder AddSteeringChatClient(this IServiceCollection services, string modelFolder,
        SteeringChatClientOptions? options = null, ModelLoadOptions? loadOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFolder);
        return services.AddSteeringChatClient(_ => HookedTransformer.Load(modelFolder, loadOptions), options);
    }

    /// <summary>
    /// <see cref="AddSteeringChatClient(IServiceCollection, string, SteeringChatClientOptions?, ModelLoadOptions?)"/> with
    /// the model made by <paramref name="loadModel"/> (the container owns and disposes it).
    /// </summary>
    public static ChatClientBuilder AddSteeringChatClient(this IServiceCollection services, Func<IServiceProvider, HookedTransformer> loadModel,
        SteeringChatClientOptions? options = null, GenerationSchedulerOptions? schedulerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(loadModel);
        services.AddSingleton(loadModel);
        // Made after the model, so the container disposes it first: no pass runs on a disposed model.
        services.AddSingleton(provider => new GenerationScheduler(provider.GetRequiredService<HookedTransformer>(), schedulerOptions));
        return services.AddChatClient(provider => new SteeringChatClient(provider.GetRequiredService<GenerationScheduler>(), options));
    }
}
