using System;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>Something a template can call: a global function, a bound string/dict method or a macro.</summary>
internal abstract class Callable(string name)
{
    public string Name { get; } = name;

    public abstract object? Invoke(Arguments arguments);
}

/// <summary>A function implemented in C#.</summary>
internal sealed class BuiltinFunction(string name, Func<Arguments, object?> body) : Callable(name)
{
    public override object? Invoke(Arguments arguments) => body(arguments);
}
