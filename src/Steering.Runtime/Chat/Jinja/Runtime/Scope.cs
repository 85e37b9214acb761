using System;
using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// Variables visible at one point of a render. A for loop and a macro call get a child scope, so what they <c>set</c>
/// stays inside them, as in Jinja2 (which is why templates carry state out of loops in a <c>namespace()</c>);
/// <c>if</c> blocks share their enclosing scope.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
            if (scope._variables.TryGetValue(name, out value))
                return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;

    public Scope? Parent { get; } = parent;
}
