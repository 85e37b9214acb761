using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Schema;
using Steering.Vectors;

namespace Steering.Cli;

/// <summary>The <c>--add</c> specs of <c>steer fold</c> and <c>steer export</c>, loaded: constant additions whose vectors this object owns.</summary>
internal sealed class LoadedAdditions : IDisposable
{
    private LoadedAdditions(List<SteeringAddition> items) => Items = items;

    public IReadOnlyList<SteeringAddition> Items { get; }

    /// <summary>Loads every spec against <paramref name="schema"/>.</summary>
    /// <exception cref="SteeringException">A malformed spec, an unknown hook point, or an unreadable vector.</exception>
    public static LoadedAdditions Load(IEnumerable<string> specs, ModelSchema schema, Terminal terminal)
    {
        var items = new List<SteeringAddition>();
        try
        {
            foreach (var spec in specs.Select(s => VectorEditSpec.Parse(VectorEditKind.Add, s)))
                items.AddRange(spec.LoadVectors(schema, terminal).Select(v => new SteeringAddition(v.Hook, v.Vector, spec.Coefficient)));
            return new LoadedAdditions(items);
        }
        catch
        {
            foreach (var item in items) item.Vector.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var item in Items) item.Vector.Dispose();
    }
}
