using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>The <c>loop</c> variable of a for loop (over the items that passed the loop's <c>if</c> filter).</summary>
internal sealed class LoopInfo(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.Attribute(this, name),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : Undefined.Attribute(this, name),
        "cycle" => new BuiltinFunction("loop.cycle", arguments => arguments.Positional.Count > 0
            ? arguments.Positional[Index0 % arguments.Positional.Count]
            : throw new RenderError("loop.cycle() needs at least one value")),
        "depth" => 1L,
        "depth0" => 0L,
        _ => Undefined.Attribute(this, name),
    };
}
