using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// Attribute, item and slice access as Jinja2 does it: <c>x.name</c> tries an attribute (a method, a namespace or loop
/// field) and then the item of that key; <c>x[key]</c> tries the item and then the attribute; a miss is Undefined.
/// </summary>
internal static class Access
{
    public static object? Attribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined undefined:
                throw undefined.Fail();
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var value) ? value : Undefined.Attribute(target, name);
            case LoopInfo loop:
                return loop.Get(name);
        }
        if (Methods.Find(target, name) is { } method)
            return method;
        if (target is OrderedDictionary<object, object?> dict && dict.TryGetValue(name, out var item))
            return item;
        return Undefined.Attribute(target, name);
    }

    public static object? Item(object? target, object? key)
    {
        if (target is Undefined undefined)
            throw undefined.Fail();
        switch (target, key)
        {
            case (OrderedDictionary<object, object?> dict, not null) when IsHashable(key) && dict.TryGetValue(key, out var value):
                return value;
            case (List<object?> list, long or bool):
                var index = Normalize(Values.ToLong(key), list.Count);
                return index is { } i ? list[i] : Undefined.Element(target, key);
            case (string s, long or bool):
                var points = PythonText.CodePoints(s);
                var at = Normalize(Values.ToLong(key), points.Count);
                return at is { } p ? points[p] : Undefined.Element(target, key);
            case (_, string name):
                return Attribute(target, name);
            default:
                return Undefined.Element(target, key);
        }
    }

    private static bool IsHashable(object key) => key is not (List<object?> or OrderedDictionary<object, object?>);

    private static int? Normalize(long index, int count)
    {
        if (index < 0)
            index += count;
        return index >= 0 && index < count ? (int)index : null;
    }

    /// <summary>Python's <c>target[start:stop:step]</c> for lists and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is Undefined undefined)
            throw undefined.Fail();
        var stepValue = SliceBound(step) ?? 1;
        if (stepValue == 0)
            throw new RenderError("slice step cannot be zero");
        switch (target)
        {
            case List<object?> list:
                return Select(list, list.Count, SliceBound(start), SliceBound(stop), stepValue);
            case string s:
                var points = PythonText.CodePoints(s);
                return string.Concat(Select(points, points.Count, SliceBound(start), SliceBound(stop), stepValue));
            default:
                throw new RenderError($"'{Values.TypeName(target)}' object is not subscriptable");
        }
    }

    private static long? SliceBound(object? value) => value switch
    {
        null or Undefined => null,
        long or bool => Values.ToLong(value),
        _ => throw new RenderError($"slice indices must be integers or None, not '{Values.TypeName(value)}'"),
    };

    /// <summary>The items a slice selects, with CPython's index adjustment (PySlice_AdjustIndices).</summary>
    private static List<T> Select<T>(IReadOnlyList<T> items, int count, long? start, long? stop, long step)
    {
        long first, end;
        if (step > 0)
        {
            first = Clamp(start ?? 0, count, 0, count);
            end = Clamp(stop ?? count, count, 0, count);
        }
        else
        {
            first = Clamp(start ?? count - 1, count, -1, count - 1);
            end = stop is null ? -1 : Clamp(stop.Value, count, -1, count - 1);
        }
        var result = new List<T>();
        for (var i = first; step > 0 ? i < end : i > end; i += step)
            result.Add(items[(int)i]);
        return result;
    }

    private static long Clamp(long index, int count, long low, long high)
    {
        if (index < 0)
            index += count;
        return index < 0 ? low : index > high ? high : index;
    }
}
