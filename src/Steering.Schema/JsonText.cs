using System;
using System.Collections.Generic;
using System.Text;

namespace Steering.Schema;

/// <summary>The kinds of JSON values.</summary>
internal enum JsonKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>A parsed JSON value with where it starts, so readers can report problems by line and column.</summary>
internal sealed class JsonNode
{
    public JsonNode(JsonKind kind, TextPosition position, string? text = null)
    {
        Kind = kind;
        Position = position;
        Text = text;
    }

    public JsonKind Kind { get; }

    /// <summary>Where the value's first token is (the whole token for scalars).</summary>
    public TextPosition Position { get; }

    /// <summary>A string's value or a number's text.</summary>
    public string? Text { get; }

    // Made on first use: most nodes are strings and numbers, and a schema has thousands of them.
    private List<JsonNode>? _items;
    private List<JsonMember>? _members;

    /// <summary>An array's items (empty for other kinds).</summary>
    public List<JsonNode> Items => _items ??= new List<JsonNode>();

    /// <summary>An object's members (empty for other kinds).</summary>
    public List<JsonMember> Members => _members ??= new List<JsonMember>();

    public JsonMember? Member(string name)
    {
        if (_members is null) return null;
        foreach (var member in _members)
            if (member.Name == name) return member;
        return null;
    }

    public string KindName => Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.String => "a string",
        JsonKind.Number => "a number",
        JsonKind.Null => "null",
        _ => "a boolean",
    };
}

/// <summary>One <c>"name": value</c> of a JSON object.</summary>
internal sealed record JsonMember(string Name, TextPosition NamePosition, JsonNode Value);

/// <summary>Thrown for text that is not the JSON (or schema) expected; carries the problem and its position.</summary>
public sealed class SchemaReadException : FormatException
{
    /// <summary>Wraps <paramref name="problem"/>.</summary>
    public SchemaReadException(SchemaProblem problem)
        : base(problem?.ToString()) => Problem = problem!;

    /// <summary>What is wrong and where.</summary>
    public SchemaProblem Problem { get; }

    /// <summary>Runs <paramref name="read"/>; on a read error returns false with its problem instead of throwing.</summary>
    internal static bool Try<T>(Func<T> read, out T? value, out SchemaProblem? problem) where T : class
    {
        try
        {
            value = read();
            problem = null;
            return true;
        }
        catch (SchemaReadException e)
        {
            value = null;
            problem = e.Problem;
            return false;
        }
    }
}

/// <summary>
/// A small strict JSON parser (RFC 8259) that tracks lines and columns. The generator cannot rely on System.Text.Json
/// (a .NET Framework-hosted compiler does not load it), and schema errors must point at a line and column.
/// </summary>
internal sealed class JsonParser
{
    private const int MaxDepth = 64;
    private readonly string _text;
    private readonly List<int> _lineStarts = new() { 0 };
    private int _index;

    private JsonParser(string text)
    {
        _text = text;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') _lineStarts.Add(i + 1);
            else if (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')) _lineStarts.Add(i + 1);
        }
    }

    /// <summary>Parses one JSON value filling <paramref name="text"/> (a leading BOM is allowed).</summary>
    /// <exception cref="SchemaReadException">The text is not JSON.</exception>
    public static JsonNode Parse(string text)
    {
        var parser = new JsonParser(text);
        if (parser._index < text.Length && text[parser._index] == '\uFEFF') parser._index++;
        parser.SkipSpace();
        var value = parser.ParseValue(0);
        parser.SkipSpace();
        if (parser._index < text.Length) throw parser.Error("unexpected text after the JSON value", parser._index, 1);
        return value;
    }

    /// <summary>The position of <paramref name="length"/> characters at <paramref name="offset"/>.</summary>
    public TextPosition At(int offset, int length)
    {
        var low = 0;
        var high = _lineStarts.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (_lineStarts[mid] <= offset) low = mid;
            else high = mid - 1;
        }
        return new TextPosition(offset, length, low, offset - _lineStarts[low]);
    }

    private SchemaReadException Error(string message, int offset, int length) =>
        new(new SchemaProblem(SchemaProblemKind.Malformed, message, At(Math.Min(offset, _text.Length), length)));

    private void SkipSpace()
    {
        while (_index < _text.Length && _text[_index] is ' ' or '\t' or '\n' or '\r') _index++;
    }

    private JsonNode ParseValue(int depth)
    {
        if (depth > MaxDepth) throw Error("JSON nested too deeply", _index, 1);
        if (_index >= _text.Length) throw Error("unexpected end of file; expected a value", _index, 0);
        var c = _text[_index];
        switch (c)
        {
            case '{': return ParseObject(depth);
            case '[': return ParseArray(depth);
            case '"':
                {
                    var start = _index;
                    var value = ParseString();
                    return new JsonNode(JsonKind.String, At(start, _index - start), value);
                }
            case 't': return Literal("true", JsonKind.True);
            case 'f': return Literal("false", JsonKind.False);
            case 'n': return Literal("null", JsonKind.Null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
                throw Error($"unexpected character '{c}'; expected a value", _index, 1);
        }
    }

    private JsonNode Literal(string word, JsonKind kind)
    {
        if (string.CompareOrdinal(_text, _index, word, 0, word.Length) != 0)
            throw Error("unexpected text; expected a value", _index, 1);
        var node = new JsonNode(kind, At(_index, word.Length));
        _index += word.Length;
        return node;
    }

    private JsonNode ParseObject(int depth)
    {
        var node = new JsonNode(JsonKind.Object, At(_index, 1));
        _index++;
        SkipSpace();
        if (Peek() == '}')
        {
            _index++;
            return node;
        }
        while (true)
        {
            SkipSpace();
            if (Peek() != '"') throw Error("expected a property name in double quotes", _index, 1);
            var nameStart = _index;
            var name = ParseString();
            var namePosition = At(nameStart, _index - nameStart);
            SkipSpace();
            if (Peek() != ':') throw Error("expected ':' after a property name", _index, 1);
            _index++;
            SkipSpace();
            var value = ParseValue(depth + 1);
            if (node.Member(name) is not null) throw Error($"duplicate property '{name}'", nameStart, namePosition.Length);
            node.Members.Add(new JsonMember(name, namePosition, value));
            SkipSpace();
            var next = Peek();
            _index++;
            if (next == '}') return node;
            if (next != ',') throw Error("expected ',' or '}' in an object", _index - 1, 1);
        }
    }

    private JsonNode ParseArray(int depth)
    {
        var node = new JsonNode(JsonKind.Array, At(_index, 1));
        _index++;
        SkipSpace();
        if (Peek() == ']')
        {
            _index++;
            return node;
        }
        while (true)
        {
            SkipSpace();
            node.Items.Add(ParseValue(depth + 1));
            SkipSpace();
            var next = Peek();
            _index++;
            if (next == ']') return node;
            if (next != ',') throw Error("expected ',' or ']' in an array", _index - 1, 1);
        }
    }

    private char Peek() => _index < _text.Length ? _text[_index] : '\0';

    private string ParseString()
    {
        var start = _index;
        _index++;
        // Fast path, the usual case: no escapes, so the value is a slice of the text.
        for (var i = _index; i < _text.Length; i++)
        {
            var c = _text[i];
            if (c == '"')
            {
                _index = i + 1;
                return _text.Substring(start + 1, i - start - 1);
            }
            if (c == '\\' || c < ' ') break;
        }
        var value = new StringBuilder();
        while (true)
        {
            if (_index >= _text.Length) throw Error("unterminated string", start, 1);
            var c = _text[_index++];
            if (c == '"') return value.ToString();
            if (c < ' ') throw Error("control character in a string (escape it)", _index - 1, 1);
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }
            if (_index >= _text.Length) throw Error("unterminated string", start, 1);
            var escape = _text[_index++];
            switch (escape)
            {
                case '"': value.Append('"'); break;
                case '\\': value.Append('\\'); break;
                case '/': value.Append('/'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 't': value.Append('\t'); break;
                case 'u':
                    var code = 0;
                    for (var k = 0; k < 4; k++)
                    {
                        var digit = _index + k < _text.Length ? HexValue(_text[_index + k]) : -1;
                        if (digit < 0) throw Error("expected four hex digits after \\u", _index - 2, 2);
                        code = (code * 16) + digit;
                    }
                    value.Append((char)code);
                    _index += 4;
                    break;
                default:
                    throw Error($"unknown escape '\\{escape}'", _index - 2, 2);
            }
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private JsonNode ParseNumber()
    {
        var start = _index;
        if (Peek() == '-') _index++;
        if (Peek() == '0') _index++;
        else if (!Digits()) throw Error("expected a digit", _index, 1);
        if (Peek() == '.')
        {
            _index++;
            if (!Digits()) throw Error("expected a digit after '.'", _index, 1);
        }
        if (Peek() is 'e' or 'E')
        {
            _index++;
            if (Peek() is '+' or '-') _index++;
            if (!Digits()) throw Error("expected a digit in the exponent", _index, 1);
        }
        return new JsonNode(JsonKind.Number, At(start, _index - start), _text.Substring(start, _index - start));
    }

    private bool Digits()
    {
        var start = _index;
        while (_index < _text.Length && _text[_index] >= '0' && _text[_index] <= '9') _index++;
        return _index > start;
    }
}
