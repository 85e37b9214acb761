using System;
using System.Collections.Generic;
using Steering.Chat.Jinja.Ast;

namespace Steering.Chat.Jinja;

/// <summary>
/// Builds the statement tree of a template from its tokens (this file: statements; Parser.Expressions.cs: expressions,
/// with Jinja2's precedence). Anything outside the supported subset fails here, naming the construct and its position,
/// so a template either renders with Jinja2's meaning or is rejected before it sees a message.
/// </summary>
internal sealed partial class Parser
{
    /// <summary>How deeply statements and expressions may nest: bounds recursion on hostile input.</summary>
    internal const int MaxNesting = 100;

    private static readonly HashSet<string> UnsupportedStatements =
        ["include", "import", "from", "extends", "block", "call", "filter", "with", "autoescape", "do", "trans"];

    private readonly List<Token> _tokens;
    private readonly string _templateName;
    private int _index;
    private int _depth;
    private int _loopDepth;

    private Parser(List<Token> tokens, string templateName)
    {
        _tokens = tokens;
        _templateName = templateName;
    }

    /// <summary>The statements of <paramref name="source"/>; throws <see cref="TemplateException"/> naming line and column.</summary>
    public static IReadOnlyList<Stmt> Parse(string source, string templateName)
    {
        var parser = new Parser(Lexer.Tokenize(source, templateName), templateName);
        return parser.ParseBody([], "", default, out _);
    }

    private Token Current => _tokens[_index];

    private Token Next() => _tokens[_index++];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    /// <summary>
    /// Statements up to a <c>{% tag %}</c> named in <paramref name="endTags"/>; leaves the stream after that tag's name
    /// (so the caller reads what follows it, e.g. an <c>elif</c> condition) and returns the name in <paramref name="endTag"/>.
    /// </summary>
    private List<Stmt> ParseBody(string[] endTags, string opener, SourcePosition openedAt, out string endTag)
    {
        using var _ = Nest(openedAt);
        var body = new List<Stmt>();
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Text:
                    body.Add(new TextStmt(token.Position, token.Text));
                    break;
                case TokenKind.OutputBegin:
                    body.Add(new OutputStmt(token.Position, ParseTupleOrExpression()));
                    Expect(TokenKind.OutputEnd, "'}}'");
                    break;
                case TokenKind.StatementBegin:
                    var name = Current;
                    if (name.Kind == TokenKind.Name && Array.IndexOf(endTags, name.Text) >= 0)
                    {
                        _index++;
                        endTag = name.Text;
                        return body;
                    }
                    ParseStatement(body);
                    break;
                case TokenKind.EndOfTemplate:
                    if (endTags.Length > 0)
                        throw Error(openedAt, $"'{{% {opener} %}}' is never closed with '{{% {endTags[^1]} %}}'");
                    _index--;
                    endTag = "";
                    return body;
                default:
                    throw Error(token.Position, $"unexpected {token.Describe()}");
            }
        }
    }

    private void ParseStatement(List<Stmt> body)
    {
        var keyword = Next();
        if (keyword.Kind != TokenKind.Name)
            throw Error(keyword.Position, $"expected a statement name after '{{%', found {keyword.Describe()}");
        var at = keyword.Position;
        switch (keyword.Text)
        {
            case "if": body.Add(ParseIf(at)); break;
            case "for": body.Add(ParseFor(at)); break;
            case "set": body.Add(ParseSet(at)); break;
            case "macro": body.Add(ParseMacro(at)); break;
            case "break" or "continue":
                if (_loopDepth == 0)
                    throw Error(at, $"'{{% {keyword.Text} %}}' outside a for loop");
                ExpectStatementEnd();
                body.Add(new LoopControlStmt(at, keyword.Text == "break"));
                break;
            case "generation":
                // Hugging Face's AssistantTracker: marks assistant text for masks; the body renders unchanged.
                ExpectStatementEnd();
                body.AddRange(ParseBody(["endgeneration"], "generation", at, out _));
                ExpectStatementEnd();
                break;
            case var other when UnsupportedStatements.Contains(other):
                throw Error(at, $"'{{% {other} %}}' is not supported by this template interpreter");
            case var other when other.StartsWith("end", StringComparison.Ordinal) || other is "else" or "elif":
                throw Error(at, $"unexpected '{{% {other} %}}' with no open block it could close");
            default:
                throw Error(at, $"unknown statement '{{% {keyword.Text} %}}'");
        }
    }

    private IfStmt ParseIf(SourcePosition at)
    {
        var branches = new List<IfBranch>();
        var condition = ParseExpression();
        while (true)
        {
            ExpectStatementEnd();
            var body = ParseBody(["elif", "else", "endif"], "if", at, out var end);
            branches.Add(new IfBranch(condition, body));
            switch (end)
            {
                case "elif":
                    condition = ParseExpression();
                    continue;
                case "else":
                    ExpectStatementEnd();
                    var otherwise = ParseBody(["endif"], "if", at, out _);
                    ExpectStatementEnd();
                    return new IfStmt(at, branches, otherwise);
                default:
                    ExpectStatementEnd();
                    return new IfStmt(at, branches, []);
            }
        }
    }

    private ForStmt ParseFor(SourcePosition at)
    {
        var targets = new List<string> { ExpectName("a loop variable") };
        while (Current.IsOperator(","))
        {
            _index++;
            targets.Add(ExpectName("a loop variable"));
        }
        if (!Current.IsName("in"))
            throw Error(Current.Position, $"expected 'in' in '{{% for %}}', found {Current.Describe()}");
        _index++;
        var iterable = ParseExpression(withCondition: false);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            _index++;
            filter = ParseExpression();
        }
        if (Current.IsName("recursive"))
            throw Error(Current.Position, "recursive for loops are not supported by this template interpreter");
        ExpectStatementEnd();
        _loopDepth++;
        var body = ParseBody(["else", "endfor"], "for", at, out var end);
        _loopDepth--;
        List<Stmt> otherwise = [];
        if (end == "else")
        {
            ExpectStatementEnd();
            otherwise = ParseBody(["endfor"], "for", at, out _);
        }
        ExpectStatementEnd();
        return new ForStmt(at, targets, iterable, filter, body, otherwise);
    }

    private Stmt ParseSet(SourcePosition at)
    {
        var first = ExpectName("a variable name");
        AssignTarget target;
        if (Current.IsOperator("."))
        {
            _index++;
            target = new AssignTarget([first], ExpectName("an attribute name"));
        }
        else
        {
            var names = new List<string> { first };
            while (Current.IsOperator(","))
            {
                _index++;
                names.Add(ExpectName("a variable name"));
            }
            target = new AssignTarget(names, null);
        }
        if (Current.IsOperator("="))
        {
            _index++;
            var value = ParseTupleOrExpression();
            ExpectStatementEnd();
            return new SetStmt(at, target, value);
        }
        if (Current.Kind != TokenKind.StatementEnd)
            throw Error(Current.Position, $"expected '=' or '%}}' in '{{% set %}}', found {Current.Describe()}");
        ExpectStatementEnd();
        var body = ParseBody(["endset"], "set", at, out _);
        ExpectStatementEnd();
        return new SetBlockStmt(at, target, body);
    }

    private MacroStmt ParseMacro(SourcePosition at)
    {
        var name = ExpectName("a macro name");
        Expect(TokenKind.Operator, "'('", "(");
        var parameters = new List<MacroParameter>();
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
                Expect(TokenKind.Operator, "',' or ')'", ",");
            var parameter = ExpectName("a parameter name");
            Expr? fallback = null;
            if (Current.IsOperator("="))
            {
                _index++;
                fallback = ParseExpression();
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
                throw Error(Current.Position, $"macro parameter '{parameter}' without a default follows one with a default");
            parameters.Add(new MacroParameter(parameter, fallback));
        }
        _index++;
        ExpectStatementEnd();
        var outerLoops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody(["endmacro"], "macro", at, out _);
        _loopDepth = outerLoops;
        if (Current.Kind == TokenKind.Name)
            _index++; // {% endmacro name %}
        ExpectStatementEnd();
        return new MacroStmt(at, name, parameters, body);
    }

    private void ExpectStatementEnd() => Expect(TokenKind.StatementEnd, "'%}'");

    private Token Expect(TokenKind kind, string what, string? text = null)
    {
        var token = Current;
        if (token.Kind != kind || (text is not null && token.Text != text))
            throw Error(token.Position, $"expected {what}, found {token.Describe()}");
        _index++;
        return token;
    }

    private string ExpectName(string what) => Expect(TokenKind.Name, what).Text;

    private TemplateException Error(SourcePosition at, string problem) => new(_templateName, at.Line, at.Column, problem);

    /// <summary>Counts one level of nesting until disposed; fails past <see cref="MaxNesting"/>.</summary>
    private NestingScope Nest(SourcePosition at)
    {
        if (++_depth > MaxNesting || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Error(at.Line > 0 ? at : Current.Position, $"the template nests deeper than {(_depth > MaxNesting ? MaxNesting : _depth - 1)} levels");
        return new NestingScope(this);
    }

    private readonly struct NestingScope(Parser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }
}
