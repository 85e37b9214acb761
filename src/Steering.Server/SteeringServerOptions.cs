using System.Collections.Generic;
using System.Net;

namespace Steering.Server;

/// <summary>How a <see cref="SteeringServer"/> serves its model.</summary>
public sealed record SteeringServerOptions
{
    /// <summary>The model's id in <c>/v1/models</c>, which requests name in <c>model</c> (default: "model").</summary>
    public string ModelName { get; init; } = "model";

    /// <summary>The address to listen on (default: loopback only, so nothing outside this machine can reach it).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The TCP port (default 8000; 0 picks a free one, see <see cref="SteeringServer.Address"/>).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>
    /// Steering vectors requests may name, by name → safetensors vector file (loaded at start; a request's
    /// <c>steering</c> entries refer to them as <c>"vector": "NAME"</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> VectorFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>The most requests decoded together in one forward pass (default 32).</summary>
    public int MaxBatchSize { get; init; } = 32;
}
