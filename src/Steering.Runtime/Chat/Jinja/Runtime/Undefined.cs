namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// Jinja2's default Undefined: a missing variable, attribute or item. It prints as nothing, is false, iterates as empty
/// and has length 0; any other use (an attribute of it, arithmetic, a call) fails with <see cref="Hint"/>.
/// </summary>
internal sealed class Undefined(string hint)
{
    /// <summary>Why the value is missing, as Jinja2 words it: "'x' is undefined", "'dict object' has no attribute 'y'".</summary>
    public string Hint { get; } = hint;

    public static Undefined Name(string name) => new($"'{name}' is undefined");

    public static Undefined Attribute(object? owner, string name) => new($"{Values.ObjectDescription(owner)} has no attribute '{name}'");

    public static Undefined Element(object? owner, object? key) => new($"{Values.ObjectDescription(owner, quoted: false)} has no element {Values.Repr(key)}");

    public RenderError Fail() => new(Hint);
}
