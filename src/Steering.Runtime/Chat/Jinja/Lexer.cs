using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace Steering.Chat.Jinja;

/// <summary>
/// Splits a template into text and tag tokens the way Jinja2's lexer does with Hugging Face's settings:
/// <c>trim_blocks</c> (the first newline after a statement or comment tag is dropped), <c>lstrip_blocks</c> (spaces and
/// tabs from the start of a line up to a statement or comment tag are dropped), <c>-</c>/<c>+</c> whitespace control on
/// either side of a tag, newlines normalized to <c>\n</c> and one trailing newline removed (keep_trailing_newline off).
/// </summary>
internal sealed partial class Lexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string _source;
    private readonly string _templateName;
    private readonly int[] _lineStarts;
    private readonly List<Token> _tokens = [];
    private int _pos;

    private Lexer(string source, string templateName)
    {
        _source = source;
        _templateName = templateName;
        var starts = new List<int> { 0 };
        for (var i = 0; i < source.Length; i++)
            if (source[i] == '\n')
                starts.Add(i + 1);
        _lineStarts = starts.ToArray();
    }

    /// <summary>The tokens of <paramref name="source"/>, ending with <see cref="TokenKind.EndOfTemplate"/>.</summary>
    public static List<Token> Tokenize(string source, string templateName)
    {
        var normalized = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (normalized.EndsWith('\n'))
            normalized = normalized[..^1];
        var lexer = new Lexer(normalized, templateName);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        var lineStarting = true; // Jinja2 lets lstrip_blocks strip a tag's indentation when the text before it starts a line
        while (_pos < _source.Length)
        {
            var open = FindTagOpening(_pos);
            if (open < 0)
            {
                Emit(TokenKind.Text, _source[_pos..], _pos);
                break;
            }
            var kind = _source[open + 1];
            var sign = open + 2 < _source.Length && _source[open + 2] is '-' or '+' ? _source[open + 2] : '\0';
            var text = _source[_pos..open];
            if (sign == '-')
                text = PythonText.RstripWhitespace(text);
            else if (sign != '+' && kind != '{')
                text = LstripBlock(text, lineStarting);
            if (text.Length > 0)
                Emit(TokenKind.Text, text, _pos);
            _pos = open + 2 + (sign == '\0' ? 0 : 1);
            lineStarting = kind switch
            {
                '#' => SkipComment(open),
                '%' when TryRaw(open, out var rawEndsLine) => rawEndsLine,
                _ => LexTag(open, kind),
            };
        }
        _tokens.Add(new Token(TokenKind.EndOfTemplate, "", PositionOf(_source.Length)));
    }

    private int FindTagOpening(int from)
    {
        for (var i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
            if (_source[i + 1] is '{' or '%' or '#')
                return i;
        return -1;
    }

    /// <summary>lstrip_blocks: drop the spaces and tabs between the last line start and a statement or comment tag.</summary>
    private static string LstripBlock(string text, bool lineStarting)
    {
        var lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !lineStarting)
            return text;
        for (var i = lineStart; i < text.Length; i++)
            if (!PythonText.IsWhitespace(text[i]))
                return text;
        return text[..lineStart];
    }

    private bool SkipComment(int open)
    {
        var close = _source.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (close < 0)
            throw Error(open, "a comment '{#' is never closed with '#}'");
        var sign = close > _pos ? _source[close - 1] : '\0';
        _pos = close + 2;
        return FinishTag(strip: sign == '-', trimNewline: sign != '+');
    }

    [GeneratedRegex(@"\G\s*raw\s*(-|\+)?%\}")]
    private static partial Regex RawOpening();

    [GeneratedRegex(@"\{%(-|\+)?\s*endraw\s*(-|\+)?%\}")]
    private static partial Regex RawClosing();

    /// <summary><c>{% raw %}...{% endraw %}</c>: the body is text, tags and all.</summary>
    private bool TryRaw(int open, out bool endsLine)
    {
        endsLine = false;
        var opening = RawOpening().Match(_source, _pos);
        if (!opening.Success)
            return false;
        _pos = opening.Index + opening.Length;
        if (opening.Groups[1].Value == "-")
            _pos = SkipWhitespace(_pos);
        else if (opening.Groups[1].Value != "+" && _pos < _source.Length && _source[_pos] == '\n')
            _pos++;
        var closing = RawClosing().Match(_source, _pos);
        if (!closing.Success)
            throw Error(open, "'{% raw %}' is never closed with '{% endraw %}'");
        var body = _source[_pos..closing.Index];
        if (closing.Groups[1].Value == "-")
            body = PythonText.RstripWhitespace(body);
        if (body.Length > 0)
            Emit(TokenKind.Text, body, _pos);
        _pos = closing.Index + closing.Length;
        endsLine = FinishTag(strip: closing.Groups[2].Value == "-", trimNewline: closing.Groups[2].Value != "+");
        return true;
    }

    /// <summary>After a tag: '-' strips all following whitespace, otherwise trim_blocks drops one newline.</summary>
    private bool FinishTag(bool strip, bool trimNewline)
    {
        var start = _pos;
        if (strip)
            _pos = SkipWhitespace(_pos);
        else if (trimNewline && _pos < _source.Length && _source[_pos] == '\n')
            _pos++;
        return _pos > start && _source[_pos - 1] == '\n';
    }

    private int SkipWhitespace(int i)
    {
        while (i < _source.Length && PythonText.IsWhitespace(_source[i]))
            i++;
        return i;
    }

    /// <summary>The expression tokens of one <c>{{ }}</c> or <c>{% %}</c> tag, then its end.</summary>
    private bool LexTag(int open, char kind)
    {
        var isOutput = kind == '{';
        Emit(isOutput ? TokenKind.OutputBegin : TokenKind.StatementBegin, isOutput ? "{{" : "{%", open);
        var brackets = new Stack<(char Close, int At)>();
        var endChar = isOutput ? '}' : '%';
        while (true)
        {
            _pos = SkipWhitespace(_pos);
            if (_pos >= _source.Length)
                throw Error(open, $"'{{{kind}' is never closed with '{endChar}}}'");
            var c = _source[_pos];
            if (brackets.Count == 0)
            {
                var sign = c is '-' or '+' ? c : '\0';
                var at = _pos + (sign == '\0' ? 0 : 1);
                if (at + 1 < _source.Length && _source[at] == endChar && _source[at + 1] == '}' && (sign != '+' || !isOutput))
                {
                    Emit(isOutput ? TokenKind.OutputEnd : TokenKind.StatementEnd, isOutput ? "}}" : "%}", _pos);
                    _pos = at + 2;
                    return FinishTag(strip: sign == '-', trimNewline: !isOutput && sign != '+');
                }
            }
            if (char.IsLetter(c) || c == '_')
                LexName();
            else if (char.IsAsciiDigit(c))
                LexNumber();
            else if (c is '\'' or '"')
                LexString(c);
            else
                LexOperator(brackets);
        }
    }

    private void LexName()
    {
        var start = _pos;
        while (_pos < _source.Length && (char.IsLetterOrDigit(_source[_pos]) || _source[_pos] == '_'))
            _pos++;
        Emit(TokenKind.Name, _source[start.._pos], start);
    }

    private void LexNumber()
    {
        var start = _pos;
        SkipDigits();
        var afterDot = _tokens.Count > 0 && _tokens[^1].IsOperator(".");
        var isFloat = false;
        if (!afterDot && _pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            _pos++;
            SkipDigits();
            isFloat = true;
        }
        if (!afterDot && _pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            var e = _pos + 1;
            if (e < _source.Length && _source[e] is '+' or '-')
                e++;
            if (e < _source.Length && char.IsAsciiDigit(_source[e]))
            {
                _pos = e;
                SkipDigits();
                isFloat = true;
            }
        }
        Emit(isFloat ? TokenKind.Float : TokenKind.Integer, _source[start.._pos].Replace("_", "", StringComparison.Ordinal), start);
    }

    private void SkipDigits()
    {
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || (_source[_pos] == '_' && _pos + 1 < _source.Length && char.IsAsciiDigit(_source[_pos + 1]))))
            _pos++;
    }

    /// <summary>A quoted string with Python's escapes (Jinja2 decodes literals with Python's unicode-escape codec).</summary>
    private void LexString(char quote)
    {
        var start = _pos++;
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _source.Length)
                throw Error(start, "a string literal is never closed");
            var c = _source[_pos++];
            if (c == quote)
                break;
            if (c != '\\' || _pos >= _source.Length)
            {
                value.Append(c);
                continue;
            }
            var e = _source[_pos++];
            switch (e)
            {
                case '\n': break;
                case '\\' or '\'' or '"': value.Append(e); break;
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case 'a': value.Append('\a'); break;
                case >= '0' and <= '7':
                    var octal = e - '0';
                    for (var n = 0; n < 2 && _pos < _source.Length && _source[_pos] is >= '0' and <= '7'; n++)
                        octal = octal * 8 + (_source[_pos++] - '0');
                    value.Append((char)octal);
                    break;
                case 'x': AppendCodePoint(value, ReadHex(2, start)); break;
                case 'u': AppendCodePoint(value, ReadHex(4, start)); break;
                case 'U': AppendCodePoint(value, ReadHex(8, start)); break;
                default: value.Append('\\').Append(e); break; // Python keeps unknown escapes as written
            }
        }
        Emit(TokenKind.String, value.ToString(), start);
    }

    private int ReadHex(int digits, int literalStart)
    {
        if (_pos + digits > _source.Length || !int.TryParse(_source.AsSpan(_pos, digits), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var code))
            throw Error(literalStart, $"a string literal has a truncated \\{_source[_pos - 1]} escape");
        _pos += digits;
        return code;
    }

    private void AppendCodePoint(StringBuilder value, int code)
    {
        if (code > 0x10FFFF)
            throw Error(_pos, "a string literal escapes a code point above U+10FFFF");
        if (code is >= 0xD800 and <= 0xDFFF)
            value.Append((char)code);
        else
            value.Append(char.ConvertFromUtf32(code));
    }

    private void LexOperator(Stack<(char Close, int At)> brackets)
    {
        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(_source, _pos, op, 0, op.Length) != 0)
                continue;
            switch (op)
            {
                case "(": brackets.Push((')', _pos)); break;
                case "[": brackets.Push((']', _pos)); break;
                case "{": brackets.Push(('}', _pos)); break;
                case ")" or "]" or "}":
                    if (brackets.Count == 0 || brackets.Peek().Close != op[0])
                        throw Error(_pos, brackets.Count == 0 ? $"unexpected '{op}'" : $"unexpected '{op}': '{BracketOpening(brackets.Peek().Close)}' at {PositionOf(brackets.Peek().At)} is not closed");
                    brackets.Pop();
                    break;
            }
            Emit(TokenKind.Operator, op, _pos);
            _pos += op.Length;
            return;
        }
        throw Error(_pos, $"unexpected character '{_source[_pos]}'");
    }

    private static char BracketOpening(char close) => close switch { ')' => '(', ']' => '[', _ => '{' };

    private void Emit(TokenKind kind, string text, int at) => _tokens.Add(new Token(kind, text, PositionOf(at)));

    private SourcePosition PositionOf(int index)
    {
        var line = Array.BinarySearch(_lineStarts, index);
        if (line < 0)
            line = ~line - 1;
        return new SourcePosition(line + 1, index - _lineStarts[line] + 1);
    }

    private TemplateException Error(int index, string problem)
    {
        var at = PositionOf(Math.Min(index, _source.Length));
        return new TemplateException(_templateName, at.Line, at.Column, problem);
    }
}
