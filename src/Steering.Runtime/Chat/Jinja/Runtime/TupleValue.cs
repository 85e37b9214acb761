using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>A Python tuple: a list that prints as <c>(a, b)</c> (tuple literals, the pairs of <c>dict.items()</c>).</summary>
internal sealed class TupleValue(IEnumerable<object?> items) : List<object?>(items);
