using System;
using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>The evaluated arguments of a call, filter or test, with Python's positional-or-keyword binding.</summary>
internal sealed class Arguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> named)
{
    public static readonly Arguments None = new([], []);

    public IReadOnlyList<object?> Positional { get; } = positional;

    public IReadOnlyList<KeyValuePair<string, object?>> Named { get; } = named;

    /// <summary>Fails unless the arguments fit <paramref name="parameters"/> (positional order = parameter order).</summary>
    public Arguments Bind(string callee, params string[] parameters)
    {
        if (Positional.Count > parameters.Length)
            throw new RenderError($"{callee} takes at most {parameters.Length} argument{(parameters.Length == 1 ? "" : "s")}, got {Positional.Count}");
        foreach (var (name, _) in Named)
        {
            var at = Array.IndexOf(parameters, name);
            if (at < 0)
                throw new RenderError($"{callee} got an unexpected keyword argument '{name}'");
            if (at < Positional.Count)
                throw new RenderError($"{callee} got multiple values for argument '{name}'");
        }
        return this;
    }

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null) => TryGet(index, name, out var value) ? value : fallback;

    public bool TryGet(int index, string name, out object? value)
    {
        if (index < Positional.Count)
        {
            value = Positional[index];
            return true;
        }
        foreach (var (key, named) in Named)
        {
            if (key == name)
            {
                value = named;
                return true;
            }
        }
        value = null;
        return false;
    }

    public object? Required(string callee, int index, string name) =>
        TryGet(index, name, out var value) ? value : throw new RenderError($"{callee} is missing its argument '{name}'");
}
