using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Steering.Editing;
using Steering.Vectors;

namespace Steering.Server.OpenAi;

/// <summary>
/// One entry of a request's <c>steering</c> list: <c>{"hook": "blocks.2.resid_pre", "vector": "NAME", "coefficient": 1.0}</c>
/// — add coefficient × the named vector at the hook point, at every position of this request only. <c>hook</c> may be
/// left out when the vector's file names the point it was made at.
/// </summary>
internal sealed record SteeringEntry(string Hook, string VectorName, SteeringVector Vector, double Coefficient)
{
    /// <summary>The request's entries, their vectors looked up by name.</summary>
    /// <exception cref="ApiException">A malformed entry, or a vector the server does not have.</exception>
    public static IReadOnlyList<SteeringEntry> Read(JsonElement body, NamedVectors vectors) =>
        JsonFields.Objects(body, "steering").Select(entry =>
        {
            var name = JsonFields.Text(entry, "vector") ?? throw new ApiException("a 'steering' entry needs \"vector\": the name of a vector the server was started with", "steering");
            var vector = vectors[name];
            var hook = JsonFields.Text(entry, "hook") ?? vector.HookName
                ?? throw new ApiException($"the 'steering' entry for '{name}' needs \"hook\": its file does not say where it applies", "steering");
            var coefficient = JsonFields.Number(entry, "coefficient") ?? 1.0;
            return new SteeringEntry(hook, name, vector, coefficient);
        }).ToList();

    /// <summary>
    /// The entries as one spec, in order (null for none); its hooks and vector sizes are checked against the model when
    /// the scheduler validates the request.
    /// </summary>
    /// <exception cref="SteeringException">A coefficient is not finite.</exception>
    public static SteeringSpec? Spec(IReadOnlyList<SteeringEntry> entries) =>
        entries.Count == 0 ? null : entries.Aggregate(SteeringSpec.Empty, (spec, entry) => spec.Add(entry.Hook, entry.Vector.Values, entry.Coefficient));
}
