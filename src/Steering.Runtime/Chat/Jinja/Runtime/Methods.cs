using System;
using System.Collections.Generic;
using System.Linq;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>The Python methods templates call on strings (<c>content.strip()</c>) and dicts (<c>message.get('x')</c>).</summary>
internal static class Methods
{
    private static readonly HashSet<string> StringMethods =
        ["strip", "lstrip", "rstrip", "split", "startswith", "endswith", "upper", "lower", "title", "capitalize", "replace", "find", "join"];

    private static readonly HashSet<string> DictMethods = ["get", "items", "keys", "values"];

    /// <summary>The bound method <paramref name="name"/> of <paramref name="receiver"/>, or null when it has none.</summary>
    public static Callable? Find(object? receiver, string name) => receiver switch
    {
        string s when StringMethods.Contains(name) => new BuiltinFunction(name, arguments => OnString(s, name, arguments)),
        OrderedDictionary<object, object?> dict when DictMethods.Contains(name) => new BuiltinFunction(name, arguments => OnDict(dict, name, arguments)),
        _ => null,
    };

    private static object? OnString(string s, string name, Arguments arguments)
    {
        var callee = $"str.{name}()";
        switch (name)
        {
            case "strip" or "lstrip" or "rstrip":
                var chars = OptionalString(arguments.Bind(callee, "chars").Get(0, "chars"), callee);
                return PythonText.Strip(s, chars, left: name != "rstrip", right: name != "lstrip");
            case "split":
                arguments.Bind(callee, "sep", "maxsplit");
                return PythonText.Split(s, OptionalString(arguments.Get(0, "sep"), callee), Values.ToLong(arguments.Get(1, "maxsplit", -1L)));
            case "startswith" or "endswith":
                var affix = arguments.Bind(callee, "prefix").Required(callee, 0, "prefix");
                var candidates = affix is List<object?> list ? list : [affix];
                return candidates.Any(candidate => candidate is string c
                    ? name == "startswith" ? s.StartsWith(c, StringComparison.Ordinal) : s.EndsWith(c, StringComparison.Ordinal)
                    : throw new RenderError($"{callee} takes a string or a tuple of strings, not '{Values.TypeName(candidate)}'"));
            case "upper": arguments.Bind(callee); return PythonText.Upper(s);
            case "lower": arguments.Bind(callee); return PythonText.Lower(s);
            case "title": arguments.Bind(callee); return PythonText.Title(s);
            case "capitalize": arguments.Bind(callee); return PythonText.Capitalize(s);
            case "replace":
                arguments.Bind(callee, "old", "new", "count");
                return PythonText.Replace(s, RequiredString(arguments, callee, 0, "old"), RequiredString(arguments, callee, 1, "new"), Values.ToLong(arguments.Get(2, "count", -1L)));
            case "find":
                var sub = RequiredString(arguments.Bind(callee, "sub"), callee, 0, "sub");
                var at = s.IndexOf(sub, StringComparison.Ordinal);
                return at < 0 ? -1L : PythonText.Length(s[..at]);
            default: // join
                var items = Values.Iterate(arguments.Bind(callee, "iterable").Required(callee, 0, "iterable"));
                return PythonText.Join(items.Select(item => item as string ?? throw new RenderError($"{callee} expects strings, found '{Values.TypeName(item)}'")), s);
        }
    }

    private static object? OnDict(OrderedDictionary<object, object?> dict, string name, Arguments arguments)
    {
        var callee = $"dict.{name}()";
        switch (name)
        {
            case "get":
                arguments.Bind(callee, "key", "default");
                var key = arguments.Required(callee, 0, "key");
                return key is not null && dict.TryGetValue(key, out var value) ? value : arguments.Get(1, "default");
            case "items": arguments.Bind(callee); return Items(dict);
            case "keys": arguments.Bind(callee); return dict.Keys.ToList<object?>();
            default: arguments.Bind(callee); return dict.Values.ToList();
        }
    }

    /// <summary>A dict's (key, value) pairs.</summary>
    public static List<object?> Items(OrderedDictionary<object, object?> dict) =>
        dict.Select(entry => (object?)new TupleValue([entry.Key, entry.Value])).ToList();

    private static string? OptionalString(object? value, string callee) => value switch
    {
        null => null,
        string s => s,
        _ => throw new RenderError($"{callee} expects a string argument, not '{Values.TypeName(value)}'"),
    };

    private static string RequiredString(Arguments arguments, string callee, int index, string name) =>
        OptionalString(arguments.Required(callee, index, name), callee) ?? throw new RenderError($"{callee} expects a string for '{name}', not None");
}
