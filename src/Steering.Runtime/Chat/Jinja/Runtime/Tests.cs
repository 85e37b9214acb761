using System;
using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>Jinja2's tests: <c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>, ...</summary>
internal static class Tests
{
    private static readonly Dictionary<string, Func<object?, Arguments, bool>> All = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, a) => NoArguments(a, "defined") && v is not Undefined,
        ["undefined"] = (v, a) => NoArguments(a, "undefined") && v is Undefined,
        ["none"] = (v, a) => NoArguments(a, "none") && v is null,
        ["string"] = (v, a) => NoArguments(a, "string") && v is string,
        ["number"] = (v, a) => NoArguments(a, "number") && Values.IsNumber(v),
        ["integer"] = (v, a) => NoArguments(a, "integer") && v is long,
        ["float"] = (v, a) => NoArguments(a, "float") && v is double,
        ["boolean"] = (v, a) => NoArguments(a, "boolean") && v is bool,
        ["true"] = (v, a) => NoArguments(a, "true") && v is true,
        ["false"] = (v, a) => NoArguments(a, "false") && v is false,
        ["mapping"] = (v, a) => NoArguments(a, "mapping") && v is OrderedDictionary<object, object?>,
        // Jinja2's Undefined has __iter__, __len__ and __getitem__, so it passes both (and iterates as empty).
        ["iterable"] = (v, a) => NoArguments(a, "iterable") && v is string or List<object?> or OrderedDictionary<object, object?> or Undefined,
        ["sequence"] = (v, a) => NoArguments(a, "sequence") && v is string or List<object?> or OrderedDictionary<object, object?> or Undefined,
        ["callable"] = (v, a) => NoArguments(a, "callable") && v is Callable,
        ["lower"] = (v, a) => NoArguments(a, "lower") && v is string s && s == PythonText.Lower(s),
        ["upper"] = (v, a) => NoArguments(a, "upper") && v is string s && s == PythonText.Upper(s),
        ["odd"] = (v, a) => NoArguments(a, "odd") && Values.ToLong(v) % 2 != 0,
        ["even"] = (v, a) => NoArguments(a, "even") && Values.ToLong(v) % 2 == 0,
        ["divisibleby"] = (v, a) => Values.ToLong(v) % Divisor(a) == 0,
        ["equalto"] = Equal,
        ["eq"] = Equal,
        ["=="] = Equal,
        ["ne"] = (v, a) => !Equal(v, a),
        ["!="] = (v, a) => !Equal(v, a),
        ["lt"] = (v, a) => Values.Compare(v, Other(a, "lt"), "<") < 0,
        ["<"] = (v, a) => Values.Compare(v, Other(a, "<"), "<") < 0,
        ["le"] = (v, a) => Values.Compare(v, Other(a, "le"), "<=") <= 0,
        ["<="] = (v, a) => Values.Compare(v, Other(a, "<="), "<=") <= 0,
        ["gt"] = (v, a) => Values.Compare(v, Other(a, "gt"), ">") > 0,
        [">"] = (v, a) => Values.Compare(v, Other(a, ">"), ">") > 0,
        ["ge"] = (v, a) => Values.Compare(v, Other(a, "ge"), ">=") >= 0,
        [">="] = (v, a) => Values.Compare(v, Other(a, ">="), ">=") >= 0,
        ["in"] = (v, a) => Values.Contains(Other(a, "in"), v),
        ["sameas"] = (v, a) => SameAs(v, Other(a, "sameas")),
        ["escaped"] = (v, a) => NoArguments(a, "escaped") && false,
    };

    public static bool Exists(string name) => All.ContainsKey(name);

    public static bool Apply(string name, object? value, Arguments arguments) =>
        All.TryGetValue(name, out var test) ? test(value, arguments) : throw new RenderError($"unknown test '{name}'");

    private static bool NoArguments(Arguments arguments, string name)
    {
        arguments.Bind($"test '{name}'");
        return true;
    }

    private static bool Equal(object? value, Arguments arguments) => Values.AreEqual(value, Other(arguments, "equalto"));

    private static object? Other(Arguments arguments, string name) => arguments.Bind($"test '{name}'", "other").Required($"test '{name}'", 0, "other");

    private static long Divisor(Arguments arguments)
    {
        var divisor = Values.ToLong(arguments.Bind("test 'divisibleby'", "num").Required("test 'divisibleby'", 0, "num"));
        return divisor == 0 ? throw new RenderError("test 'divisibleby': division by zero") : divisor;
    }

    /// <summary>Python's <c>is</c>: identity for objects; None, booleans and small values compare by value.</summary>
    private static bool SameAs(object? value, object? other) => (value, other) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (string x, string y) => x == y,
        _ => ReferenceEquals(value, other),
    };
}
