using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// Python's <c>json.dumps</c>, which Hugging Face's <c>tojson</c> filter calls with <c>ensure_ascii=False</c>: separators
/// <c>", "</c> and <c>": "</c> (<c>","</c> when indenting), Python float formatting, keys in insertion order.
/// </summary>
internal sealed class Json
{
    private readonly string? _indent;
    private readonly bool _ensureAscii;
    private readonly bool _sortKeys;
    private readonly string _itemSeparator;
    private readonly string _keySeparator;
    private readonly StringBuilder _out = new();

    private Json(string? indent, bool ensureAscii, bool sortKeys, string? itemSeparator, string? keySeparator)
    {
        _indent = indent;
        _ensureAscii = ensureAscii;
        _sortKeys = sortKeys;
        _itemSeparator = itemSeparator ?? (indent is null ? ", " : ",");
        _keySeparator = keySeparator ?? ": ";
    }

    /// <summary>
    /// Serializes <paramref name="value"/>. <paramref name="indent"/> is a number of spaces, a string, or null for one line.
    /// </summary>
    public static string Dumps(object? value, object? indent = null, bool ensureAscii = false, bool sortKeys = false, string? itemSeparator = null, string? keySeparator = null)
    {
        var indentText = indent switch
        {
            null => null,
            long n => new string(' ', (int)System.Math.Clamp(n, 0, 64)),
            string s => s,
            _ => throw new RenderError($"tojson: indent must be an integer or a string, not '{Values.TypeName(indent)}'"),
        };
        var json = new Json(indentText, ensureAscii, sortKeys, itemSeparator, keySeparator);
        json.Write(value, 0);
        return json._out.ToString();
    }

    private void Write(object? value, int depth)
    {
        if (depth > Limits.MaxValueDepth)
            throw new RenderError($"tojson: the value nests deeper than {Limits.MaxValueDepth} levels");
        switch (value)
        {
            case null: _out.Append("null"); break;
            case bool b: _out.Append(b ? "true" : "false"); break;
            case long l: _out.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: _out.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Values.FormatFloat(d)); break;
            case string s: WriteString(s); break;
            case List<object?> list: WriteContainer('[', ']', list, depth, item => Write(item, depth + 1)); break;
            case OrderedDictionary<object, object?> dict:
                var entries = _sortKeys ? dict.OrderBy(e => KeyText(e.Key), System.StringComparer.Ordinal).ToList() : dict.ToList();
                WriteContainer('{', '}', entries, depth, entry =>
                {
                    WriteString(KeyText(entry.Key));
                    _out.Append(_keySeparator);
                    Write(entry.Value, depth + 1);
                });
                break;
            default:
                throw new RenderError($"Object of type {Values.TypeName(value)} is not JSON serializable");
        }
        Limits.CheckLength(_out.Length, "tojson's output");
    }

    private void WriteContainer<T>(char open, char close, IReadOnlyList<T> items, int depth, System.Action<T> writeItem)
    {
        _out.Append(open);
        if (items.Count == 0)
        {
            _out.Append(close);
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
                _out.Append(_itemSeparator);
            NewLine(depth + 1);
            writeItem(items[i]);
        }
        NewLine(depth);
        _out.Append(close);
    }

    private void NewLine(int depth)
    {
        if (_indent is null)
            return;
        _out.Append('\n');
        for (var i = 0; i < depth; i++)
            _out.Append(_indent);
    }

    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Values.FormatFloat(d),
        _ => throw new RenderError($"keys must be str, int, float, bool or None, not {Values.TypeName(key)}"),
    };

    private void WriteString(string s)
    {
        _out.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': _out.Append("\\\""); break;
                case '\\': _out.Append("\\\\"); break;
                case '\n': _out.Append("\\n"); break;
                case '\r': _out.Append("\\r"); break;
                case '\t': _out.Append("\\t"); break;
                case '\b': _out.Append("\\b"); break;
                case '\f': _out.Append("\\f"); break;
                case < ' ': _out.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                case > '\x7e' when _ensureAscii: _out.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: _out.Append(c); break;
            }
        }
        _out.Append('"');
    }
}
