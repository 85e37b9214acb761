using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>Jinja2's filters that chat templates use (<c>x | trim</c>), with Hugging Face's <c>tojson</c>.</summary>
internal static class Filters
{
    private static readonly Dictionary<string, Func<object?, Arguments, object?>> All = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a) => PythonText.Strip(Values.Str(v), a.Bind("filter 'trim'", "chars").Get(0, "chars") as string, true, true),
        ["length"] = (v, a) => Values.Length(v),
        ["count"] = (v, a) => Values.Length(v),
        ["upper"] = (v, a) => PythonText.Upper(Values.Str(v)),
        ["lower"] = (v, a) => PythonText.Lower(Values.Str(v)),
        ["title"] = (v, a) => PythonText.JinjaTitle(Values.Str(v)),
        ["capitalize"] = (v, a) => PythonText.Capitalize(Values.Str(v)),
        ["string"] = (v, a) => Values.Str(v),
        ["safe"] = (v, a) => v,
        ["tojson"] = ToJson,
        ["join"] = Join,
        ["default"] = Default,
        ["d"] = Default,
        ["first"] = (v, a) => Values.Iterate(v) is { Count: > 0 } items ? items[0] : new Undefined("No first item, sequence was empty."),
        ["last"] = (v, a) => Values.Iterate(v) is { Count: > 0 } items ? items[^1] : new Undefined("No last item, sequence was empty."),
        ["list"] = (v, a) => Values.Iterate(v).ToList(),
        ["reverse"] = (v, a) => v is string s ? string.Concat(PythonText.CodePoints(s).AsEnumerable().Reverse()) : Values.Iterate(v).Reverse().ToList(),
        ["items"] = (v, a) => v switch
        {
            OrderedDictionary<object, object?> dict => Methods.Items(dict),
            Undefined => new List<object?>(),
            _ => throw new RenderError($"filter 'items' expects a mapping, got '{Values.TypeName(v)}'"),
        },
        ["replace"] = (v, a) => PythonText.Replace(Values.Str(v),
            Values.Str(a.Bind("filter 'replace'", "old", "new", "count").Required("filter 'replace'", 0, "old")),
            Values.Str(a.Required("filter 'replace'", 1, "new")), a.Get(2, "count") is { } count ? Values.ToLong(count) : -1),
        ["int"] = ToInt,
        ["float"] = ToFloat,
        ["abs"] = (v, a) => v switch
        {
            long l => l == long.MinValue ? throw new RenderError("integer overflow in abs") : (object)Math.Abs(l),
            double d => Math.Abs(d),
            bool b => b ? 1L : 0L,
            _ => throw new RenderError($"bad operand type for abs(): '{Values.TypeName(v)}'"),
        },
        ["round"] = Round,
        ["sum"] = (v, a) =>
        {
            a.Bind("filter 'sum'", "attribute", "start");
            var attribute = a.Get(0, "attribute") as string;
            return Values.Iterate(v).Aggregate(a.Get(1, "start", 0L), (total, item) => Operators.Binary("+", total, attribute is null ? item : Path(item, attribute)));
        },
        ["sort"] = (v, a) =>
        {
            a.Bind("filter 'sort'", "reverse", "case_sensitive", "attribute");
            var sorted = Sorted(Values.Iterate(v), a, 1, 2);
            if (Values.IsTruthy(a.Get(0, "reverse", false)))
                sorted.Reverse();
            return sorted;
        },
        ["unique"] = (v, a) =>
        {
            a.Bind("filter 'unique'", "case_sensitive", "attribute");
            var seen = new List<object?>();
            var unique = new List<object?>();
            foreach (var item in Values.Iterate(v))
            {
                var key = SortKey(item, a, 0, 1);
                if (!seen.Any(other => Values.AreEqual(other, key)))
                {
                    seen.Add(key);
                    unique.Add(item);
                }
            }
            return unique;
        },
        ["min"] = (v, a) => Sorted(Values.Iterate(v), a.Bind("filter 'min'", "case_sensitive", "attribute"), 0, 1) is { Count: > 0 } s ? s[0] : new Undefined("No aggregated item, sequence was empty."),
        ["max"] = (v, a) => Sorted(Values.Iterate(v), a.Bind("filter 'max'", "case_sensitive", "attribute"), 0, 1) is { Count: > 0 } s ? s[^1] : new Undefined("No aggregated item, sequence was empty."),
        ["indent"] = Indent,
        ["map"] = Map,
        ["select"] = (v, a) => Select(v, a, keep: true, byAttribute: false),
        ["reject"] = (v, a) => Select(v, a, keep: false, byAttribute: false),
        ["selectattr"] = (v, a) => Select(v, a, keep: true, byAttribute: true),
        ["rejectattr"] = (v, a) => Select(v, a, keep: false, byAttribute: true),
    };

    public static bool Exists(string name) => All.ContainsKey(name);

    public static object? Apply(string name, object? value, Arguments arguments) =>
        All.TryGetValue(name, out var filter) ? filter(value, arguments) : throw new RenderError($"unknown filter '{name}'");

    private static string ToJson(object? value, Arguments arguments)
    {
        arguments.Bind("filter 'tojson'", "ensure_ascii", "indent", "separators", "sort_keys");
        string? itemSeparator = null, keySeparator = null;
        if (arguments.Get(2, "separators") is List<object?> { Count: 2 } separators)
        {
            itemSeparator = Values.Str(separators[0]);
            keySeparator = Values.Str(separators[1]);
        }
        return Json.Dumps(value, arguments.Get(1, "indent"), Values.IsTruthy(arguments.Get(0, "ensure_ascii", false)),
            Values.IsTruthy(arguments.Get(3, "sort_keys", false)), itemSeparator, keySeparator);
    }

    private static string Join(object? value, Arguments arguments)
    {
        arguments.Bind("filter 'join'", "d", "attribute");
        var attribute = arguments.Get(1, "attribute") as string;
        var items = Values.Iterate(value).Select(item => Values.Str(attribute is null ? item : Path(item, attribute)));
        return PythonText.Join(items, Values.Str(arguments.Get(0, "d", "")));
    }

    private static object? Default(object? value, Arguments arguments)
    {
        arguments.Bind("filter 'default'", "default_value", "boolean");
        var useDefault = value is Undefined || (Values.IsTruthy(arguments.Get(1, "boolean", false)) && !Values.IsTruthy(value));
        return useDefault ? arguments.Get(0, "default_value", "") : value;
    }

    private static object? ToInt(object? value, Arguments arguments)
    {
        arguments.Bind("filter 'int'", "default", "base");
        var fallback = arguments.Get(0, "default", 0L);
        var numberBase = (int)Values.ToLong(arguments.Get(1, "base", 10L));
        switch (value)
        {
            case long or bool: return Values.ToLong(value);
            case double d: return double.IsFinite(d) && Math.Abs(d) < 9.2e18 ? (long)Math.Truncate(d) : fallback;
            case string s:
                var text = s.Trim().Replace("_", "", StringComparison.Ordinal);
                if (numberBase == 10 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                    return parsed;
                if (numberBase is 2 or 8 or 16)
                {
                    try { return Convert.ToInt64(text, numberBase); }
                    catch (FormatException) { return fallback; }
                    catch (OverflowException) { return fallback; }
                }
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && Math.Abs(real) < 9.2e18 ? (long)Math.Truncate(real) : fallback;
            default: return fallback;
        }
    }

    private static object? ToFloat(object? value, Arguments arguments)
    {
        var fallback = arguments.Bind("filter 'float'", "default").Get(0, "default", 0.0);
        return value switch
        {
            double d => d,
            long or bool => Values.ToDouble(value),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => fallback,
        };
    }

    private static object Round(object? value, Arguments arguments)
    {
        arguments.Bind("filter 'round'", "precision", "method");
        var precision = (int)Math.Clamp(Values.ToLong(arguments.Get(0, "precision", 0L)), 0, 15);
        var method = arguments.Get(1, "method", "common") as string;
        if (method == "common" && value is long or bool)
            return Values.ToLong(value); // Python's round() keeps an int an int
        var number = Values.ToDouble(value);
        var factor = Math.Pow(10, precision);
        return method switch
        {
            // Python's round() rounds the exact binary value half to even (round(2.675, 2) == 2.67), as .NET's "F" format does.
            "common" => double.Parse(number.ToString("F" + precision, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            "floor" => Math.Floor(number * factor) / factor,
            "ceil" => Math.Ceiling(number * factor) / factor,
            _ => throw new RenderError($"filter 'round': method must be 'common', 'ceil' or 'floor', not '{method}'"),
        };
    }

    /// <summary><c>map(attribute='a.b', default=x)</c> or <c>map('filter', args...)</c>.</summary>
    private static List<object?> Map(object? value, Arguments arguments)
    {
        var items = Values.Iterate(value);
        if (arguments.TryGet(int.MaxValue, "attribute", out var attribute))
        {
            var hasDefault = arguments.TryGet(int.MaxValue, "default", out var fallback);
            return items.Select(item => Path(item, Values.Str(attribute)) is var v && v is Undefined && hasDefault ? fallback : v).ToList();
        }
        if (arguments.Positional.Count == 0 || arguments.Positional[0] is not string filter)
            throw new RenderError("filter 'map' needs a filter name or attribute=...");
        var rest = new Arguments(arguments.Positional.Skip(1).ToList(), arguments.Named);
        return items.Select(item => Apply(filter, item, rest)).ToList();
    }

    /// <summary>select/reject (by the item) and selectattr/rejectattr (by an attribute), with an optional test.</summary>
    private static List<object?> Select(object? value, Arguments arguments, bool keep, bool byAttribute)
    {
        var skip = byAttribute ? 1 : 0;
        var attribute = byAttribute ? Values.Str(arguments.Positional.Count > 0 ? arguments.Positional[0] : throw new RenderError("selectattr/rejectattr need an attribute name")) : null;
        var test = arguments.Positional.Count > skip ? arguments.Positional[skip] as string ?? throw new RenderError("a test name must be a string") : null;
        var testArguments = new Arguments(arguments.Positional.Skip(skip + 1).ToList(), arguments.Named);
        return Values.Iterate(value).Where(item =>
        {
            var subject = attribute is null ? item : Path(item, attribute);
            return (test is null ? Values.IsTruthy(subject) : Tests.Apply(test, subject, testArguments)) == keep;
        }).ToList();
    }

    /// <summary>
    /// The items in order (stable), comparing the attribute at <paramref name="attributeIndex"/> if given and, unless
    /// the argument at <paramref name="caseIndex"/> is true, strings lower-cased (Jinja2's sort, min, max).
    /// </summary>
    private static List<object?> Sorted(IReadOnlyList<object?> items, Arguments arguments, int caseIndex, int attributeIndex)
    {
        var keyed = items.Select(item => (Key: SortKey(item, arguments, caseIndex, attributeIndex), Item: item)).ToList();
        return keyed.Order(Comparer<(object? Key, object? Item)>.Create((x, y) => Values.Compare(x.Key, y.Key, "<"))).Select(pair => pair.Item).ToList();
    }

    private static object? SortKey(object? item, Arguments arguments, int caseIndex, int attributeIndex)
    {
        var key = arguments.Get(attributeIndex, "attribute") is { } attribute ? Path(item, Values.Str(attribute)) : item;
        return key is string s && !Values.IsTruthy(arguments.Get(caseIndex, "case_sensitive", false)) ? PythonText.Lower(s) : key;
    }

    /// <summary>Jinja2's indent: every line but the first (and blank ones, unless asked) gets the indentation.</summary>
    private static string Indent(object? value, Arguments arguments)
    {
        arguments.Bind("filter 'indent'", "width", "first", "blank");
        var width = arguments.Get(0, "width", 4L);
        var indentation = width as string ?? new string(' ', (int)Math.Clamp(Values.ToLong(width), 0, 1000));
        var lines = PythonText.SplitLines(Values.Str(value) + "\n");
        var blank = Values.IsTruthy(arguments.Get(2, "blank", false));
        var text = new System.Text.StringBuilder(lines[0]);
        foreach (var line in lines.Skip(1))
            text.Append('\n').Append(blank || line.Length > 0 ? indentation + line : line);
        return (Values.IsTruthy(arguments.Get(1, "first", false)) ? indentation : "") + text;
    }

    /// <summary>A dotted attribute path looked up item-first, as Jinja2's attribute getter does (<c>'0'</c> indexes lists).</summary>
    private static object? Path(object? item, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (item is Undefined)
                return item;
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? Access.Item(item, index) : Access.Item(item, part);
        }
        return item;
    }
}
