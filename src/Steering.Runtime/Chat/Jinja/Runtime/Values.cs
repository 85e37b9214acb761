using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// The template value model and Python's meaning of it. Values are: null (None), <see cref="Undefined"/>, bool, long,
/// double, string, <see cref="List{T}"/> of values (lists; <see cref="TupleValue"/> for tuples), <see cref="OrderedDictionary{TKey,TValue}"/>
/// (dicts, insertion-ordered as Python's), <see cref="Namespace"/>, <see cref="LoopInfo"/> and <see cref="Callable"/>.
/// </summary>
internal static class Values
{
    public static OrderedDictionary<object, object?> NewDict() => new(KeyComparer.Instance);

    /// <summary>A JSON value (a message field, a context variable) as a template value.</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? (object)integer : element.GetDouble(),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        _ => ObjectFromJson(element),
    };

    private static OrderedDictionary<object, object?> ObjectFromJson(JsonElement element)
    {
        var dict = NewDict();
        foreach (var property in element.EnumerateObject())
            dict[property.Name] = FromJson(property.Value);
        return dict;
    }

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        TupleValue => "tuple",
        double => "float",
        string => "str",
        List<object?> => "list",
        OrderedDictionary<object, object?> => "dict",
        Namespace => "Namespace",
        LoopInfo => "LoopContext",
        Callable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>How Jinja2's undefined hints name an object: <c>'dict object'</c> (unquoted for missing elements), or <c>None</c>.</summary>
    public static string ObjectDescription(object? value, bool quoted = true) =>
        value is null ? "None" : quoted ? $"'{TypeName(value)} object'" : $"{TypeName(value)} object";

    public static bool IsTruthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        OrderedDictionary<object, object?> dict => dict.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    /// <summary>Python's <c>str(value)</c> (Undefined prints as nothing).</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>, which is also how lists and dicts print their items.</summary>
    public static string Repr(object? value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value, 0);
        return builder.ToString();
    }

    private static void AppendRepr(StringBuilder builder, object? value, int depth)
    {
        if (depth > Limits.MaxValueDepth)
            throw new RenderError($"a value nests deeper than {Limits.MaxValueDepth} levels");
        switch (value)
        {
            case null: builder.Append("None"); break;
            case Undefined: break;
            case bool b: builder.Append(b ? "True" : "False"); break;
            case long l: builder.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: builder.Append(FormatFloat(d)); break;
            case string s: AppendStringRepr(builder, s); break;
            case List<object?> list:
                var tuple = list is TupleValue;
                builder.Append(tuple ? '(' : '[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                        builder.Append(", ");
                    AppendRepr(builder, list[i], depth + 1);
                    Limits.CheckLength(builder.Length, "the printed value");
                }
                builder.Append(tuple ? (list.Count == 1 ? ",)" : ")") : "]");
                break;
            case OrderedDictionary<object, object?> dict:
                builder.Append('{');
                var first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first)
                        builder.Append(", ");
                    first = false;
                    AppendRepr(builder, key, depth + 1);
                    builder.Append(": ");
                    AppendRepr(builder, item, depth + 1);
                }
                builder.Append('}');
                break;
            case Namespace ns:
                builder.Append("<Namespace ");
                AppendRepr(builder, ToDict(ns.Attributes), depth + 1);
                builder.Append('>');
                break;
            case Callable callable: builder.Append("<function ").Append(callable.Name).Append('>'); break;
            case LoopInfo: builder.Append("<LoopContext>"); break;
            default: builder.Append(value); break;
        }
    }

    private static OrderedDictionary<object, object?> ToDict(Dictionary<string, object?> attributes)
    {
        var dict = NewDict();
        foreach (var (key, item) in attributes)
            dict[key] = item;
        return dict;
    }

    private static void AppendStringRepr(StringBuilder builder, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        builder.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case var q when q == quote: builder.Append('\\').Append(q); break;
                case < ' ' or '\x7f': builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"); break;
                default: builder.Append(c); break;
            }
        }
        builder.Append(quote);
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, scientific below 1e-4 and from 1e16.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        if (d == 0)
            return double.IsNegative(d) ? "-0.0" : "0.0";
        var shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var mantissa = shortest;
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = shortest[..e];
        }
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        var point = dot >= 0 ? dot : mantissa.Length;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
            lead++;
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";
        var decimalExponent = point - lead + exponent; // value = 0.digits × 10^decimalExponent
        var scientific = decimalExponent - 1;
        string body;
        if (scientific is < -4 or >= 16)
            body = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "") + (scientific < 0 ? "e-" : "e+") + Math.Abs(scientific).ToString("00", CultureInfo.InvariantCulture);
        else if (decimalExponent <= 0)
            body = "0." + new string('0', -decimalExponent) + digits;
        else if (decimalExponent >= digits.Length)
            body = digits + new string('0', decimalExponent - digits.Length) + ".0";
        else
            body = digits[..decimalExponent] + "." + digits[decimalExponent..];
        return (d < 0 ? "-" : "") + body;
    }

    /// <summary>Python's <c>==</c>: numbers by value (bools are 0 and 1), strings by code points, containers by content.</summary>
    public static bool AreEqual(object? a, object? b) => AreEqual(a, b, 0);

    private static bool AreEqual(object? a, object? b, int depth)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        if (depth > Limits.MaxValueDepth)
            throw new RenderError($"a compared value nests deeper than {Limits.MaxValueDepth} levels");
        return (a, b) switch
        {
            (null, null) => true,
            (Undefined, Undefined) => true,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(pair => AreEqual(pair.First, pair.Second, depth + 1)),
            (OrderedDictionary<object, object?> x, OrderedDictionary<object, object?> y) =>
                x.Count == y.Count && x.All(entry => y.TryGetValue(entry.Key, out var other) && AreEqual(entry.Value, other, depth + 1)),
            _ => ReferenceEquals(a, b),
        };
    }

    /// <summary>Python's ordering for <c>&lt; &lt;= &gt; &gt;=</c>: numbers, strings and lists; anything else is a TypeError.</summary>
    public static int Compare(object? a, object? b, string op) => Compare(a, b, op, 0);

    private static int Compare(object? a, object? b, string op, int depth)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        if (depth > Limits.MaxValueDepth)
            throw new RenderError($"a compared value nests deeper than {Limits.MaxValueDepth} levels");
        switch (a, b)
        {
            case (string x, string y):
                return Math.Sign(string.CompareOrdinal(x, y));
            case (List<object?> x, List<object?> y):
                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                    if (!AreEqual(x[i], y[i], depth + 1))
                        return Compare(x[i], y[i], op, depth + 1);
                return x.Count.CompareTo(y.Count);
        }
        if (a is Undefined ua)
            throw ua.Fail();
        if (b is Undefined ub)
            throw ub.Fail();
        throw new RenderError($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new RenderError($"expected an integer, got '{TypeName(value)}'"),
    };

    public static double ToDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new RenderError($"expected a number, got '{TypeName(value)}'"),
    };

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new RenderError($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        List<object?> list => list.Any(element => AreEqual(element, item)),
        OrderedDictionary<object, object?> dict => item is not null && dict.ContainsKey(item),
        Namespace ns => item is string name && ns.Attributes.ContainsKey(name),
        Undefined => false,
        _ => throw new RenderError($"argument of type '{TypeName(container)}' is not iterable"),
    };

    /// <summary>What a for loop or a filter walks: list items, dict keys, string characters; Undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value)
    {
        switch (value)
        {
            case List<object?> list:
                return list;
            case OrderedDictionary<object, object?> dict:
                return dict.Keys.ToList<object?>();
            case string s:
                Limits.CheckCount(s.Length, "the characters of a string");
                return PythonText.CodePoints(s).ToList<object?>();
            case Undefined:
                return [];
            default:
                throw new RenderError($"'{TypeName(value)}' object is not iterable");
        }
    }

    /// <summary>Python's <c>len(value)</c>; strings count code points.</summary>
    public static long Length(object? value) => value switch
    {
        string s => PythonText.Length(s),
        List<object?> list => list.Count,
        OrderedDictionary<object, object?> dict => dict.Count,
        Namespace ns => ns.Attributes.Count,
        Undefined => 0,
        _ => throw new RenderError($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>Dict keys compare as Python's do: 1, 1.0 and True are one key; strings by ordinal.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => AreEqual(x, y);

        public int GetHashCode(object obj) => obj switch
        {
            bool b => (b ? 1L : 0L).GetHashCode(),
            double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => ((long)d).GetHashCode(),
            string s => StringComparer.Ordinal.GetHashCode(s),
            List<object?> or OrderedDictionary<object, object?> => throw new RenderError($"unhashable type: '{TypeName(obj)}'"),
            _ => obj.GetHashCode(),
        };
    }
}
