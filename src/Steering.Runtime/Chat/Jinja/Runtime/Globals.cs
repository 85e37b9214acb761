using System;
using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// The functions a chat template can call: Jinja2's <c>range</c>, <c>namespace</c> and <c>dict</c>, and the two Hugging
/// Face adds, <c>raise_exception(message)</c> and <c>strftime_now(format)</c>.
/// </summary>
internal static class Globals
{
    public static void AddTo(Scope scope, TimeProvider clock)
    {
        Add(scope, "raise_exception", arguments =>
            throw new RenderError(Values.Str(arguments.Bind("raise_exception()", "message").Get(0, "message", "")), raisedByTemplate: true));
        Add(scope, "strftime_now", arguments =>
            Strftime.Format(clock.GetLocalNow(), Values.Str(arguments.Bind("strftime_now()", "format").Required("strftime_now()", 0, "format"))));
        Add(scope, "range", Range);
        Add(scope, "namespace", arguments =>
        {
            var ns = new Namespace();
            foreach (var positional in arguments.Positional)
                CopyInto(ns.Attributes, positional as OrderedDictionary<object, object?> ?? throw new RenderError("namespace() takes a dict or keyword arguments"));
            foreach (var (name, value) in arguments.Named)
                ns.Attributes[name] = value;
            return ns;
        });
        Add(scope, "dict", arguments =>
        {
            var dict = Values.NewDict();
            foreach (var (name, value) in arguments.Named)
                dict[name] = value;
            return dict;
        });
    }

    private static void Add(Scope scope, string name, Func<Arguments, object?> body) => scope.Set(name, new BuiltinFunction(name, body));

    private static void CopyInto(Dictionary<string, object?> attributes, OrderedDictionary<object, object?> dict)
    {
        foreach (var (key, value) in dict)
            attributes[Values.Str(key)] = value;
    }

    private static List<object?> Range(Arguments arguments)
    {
        if (arguments.Named.Count > 0 || arguments.Positional.Count is 0 or > 3)
            throw new RenderError("range() takes 1 to 3 positional arguments");
        var p = arguments.Positional;
        long start = 0, stop, step = 1;
        if (p.Count == 1)
            stop = Values.ToLong(p[0]);
        else
        {
            start = Values.ToLong(p[0]);
            stop = Values.ToLong(p[1]);
            if (p.Count == 3)
                step = Values.ToLong(p[2]);
        }
        if (step == 0)
            throw new RenderError("range() arg 3 must not be zero");
        var count = Math.Ceiling(((double)stop - start) / step);
        if (count > Limits.MaxRange)
            throw new RenderError($"range() would make {count:0} items, more than the {Limits.MaxRange} allowed");
        var items = new List<object?>();
        for (var value = start; step > 0 ? value < stop : value > stop; value += step)
            items.Add(value);
        return items;
    }
}
