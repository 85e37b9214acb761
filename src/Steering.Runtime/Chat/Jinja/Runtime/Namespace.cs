using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>What <c>namespace(...)</c> makes: an object whose attributes <c>{% set ns.x = ... %}</c> may change from inside loops.</summary>
internal sealed class Namespace
{
    public Dictionary<string, object?> Attributes { get; } = new(System.StringComparer.Ordinal);
}
