using System.Collections.Generic;
using System.Globalization;
using Steering.Chat.Jinja.Ast;
using Steering.Chat.Jinja.Runtime;

namespace Steering.Chat.Jinja;

/// <summary>Expressions, from loosest to tightest binding as Jinja2's parser has them.</summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> ComparisonOperators = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>An expression, or a tuple when commas follow (<c>{{ a, b }}</c>, <c>set x = a, b</c>).</summary>
    private Expr ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!Current.IsOperator(","))
            return first;
        var items = new List<Expr> { first };
        while (Current.IsOperator(","))
        {
            _index++;
            if (Current.Kind is TokenKind.OutputEnd or TokenKind.StatementEnd)
                break;
            items.Add(ParseExpression());
        }
        return new ListExpr(first.Position, items, IsTuple: true);
    }

    private Expr ParseExpression(bool withCondition = true)
    {
        using var _ = Nest(Current.Position);
        return withCondition ? ParseConditional() : ParseOr();
    }

    private Expr ParseConditional()
    {
        var value = ParseOr();
        while (Current.IsName("if"))
        {
            var at = Next().Position;
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                _index++;
                otherwise = ParseConditional();
            }
            value = new ConditionalExpr(at, condition, value, otherwise);
        }
        return value;
    }

    private Expr ParseOr() => ParseLogical("or", ParseAnd);

    private Expr ParseAnd() => ParseLogical("and", ParseNot);

    private Expr ParseLogical(string keyword, System.Func<Expr> operand)
    {
        var left = operand();
        while (Current.IsName(keyword))
        {
            var at = Next().Position;
            left = new LogicalExpr(at, keyword == "and", left, operand());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (!Current.IsName("not"))
            return ParseCompare();
        var at = Next().Position;
        using var _ = Nest(at);
        return new UnaryExpr(at, "not", ParseNot());
    }

    private Expr ParseCompare()
    {
        var first = ParseMath1();
        var rest = new List<KeyValuePair<string, Expr>>();
        while (true)
        {
            string op;
            if (Current.Kind == TokenKind.Operator && ComparisonOperators.Contains(Current.Text))
                op = Next().Text;
            else if (Current.IsName("in"))
            {
                _index++;
                op = "in";
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _index += 2;
                op = "not in";
            }
            else
                break;
            rest.Add(new(op, ParseMath1()));
        }
        return rest.Count == 0 ? first : new CompareExpr(first.Position, first, rest);
    }

    private Expr ParseMath1() => ParseBinary(ParseConcat, "+", "-");

    private Expr ParseConcat() => ParseBinary(ParseMath2, "~");

    private Expr ParseMath2() => ParseBinary(ParsePow, "*", "/", "//", "%");

    private Expr ParsePow() => ParseBinary(() => ParseUnary(), "**");

    private Expr ParseBinary(System.Func<Expr> operand, params string[] operators)
    {
        var left = operand();
        while (Current.Kind == TokenKind.Operator && System.Array.IndexOf(operators, Current.Text) >= 0)
        {
            var op = Next();
            left = new BinaryExpr(op.Position, op.Text, left, operand());
        }
        return left;
    }

    private Expr ParseUnary(bool withFilters = true)
    {
        Expr value;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Next();
            using var _ = Nest(op.Position);
            value = new UnaryExpr(op.Position, op.Text, ParseUnary(withFilters: false));
        }
        else
            value = ParsePrimary();
        value = ParsePostfix(value);
        return withFilters ? ParseFiltersAndTests(value) : value;
    }

    private Expr ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Text switch
                {
                    "true" or "True" => new LiteralExpr(token.Position, true),
                    "false" or "False" => new LiteralExpr(token.Position, false),
                    "none" or "None" => new LiteralExpr(token.Position, null),
                    _ => new NameExpr(token.Position, token.Text),
                };
            case TokenKind.String:
                var text = token.Text;
                while (Current.Kind == TokenKind.String)
                    text += Next().Text; // adjacent literals concatenate, as in Python
                return new LiteralExpr(token.Position, text);
            case TokenKind.Integer:
                if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
                    throw Error(token.Position, $"the integer {token.Text} is too large");
                return new LiteralExpr(token.Position, integer);
            case TokenKind.Float:
                return new LiteralExpr(token.Position, double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TokenKind.Operator when token.Text == "(":
                return ParseParenthesized(token.Position);
            case TokenKind.Operator when token.Text == "[":
                return new ListExpr(token.Position, ParseItems("]"));
            case TokenKind.Operator when token.Text == "{":
                return ParseDict(token.Position);
            default:
                throw Error(token.Position, $"expected an expression, found {token.Describe()}");
        }
    }

    private Expr ParseParenthesized(SourcePosition at)
    {
        if (Current.IsOperator(")"))
        {
            _index++;
            return new ListExpr(at, [], IsTuple: true);
        }
        var first = ParseExpression();
        if (Current.IsOperator(")"))
        {
            _index++;
            return first;
        }
        Expect(TokenKind.Operator, "',' or ')'", ",");
        var items = new List<Expr> { first };
        items.AddRange(ParseItems(")"));
        return new ListExpr(at, items, IsTuple: true);
    }

    /// <summary>Comma-separated expressions up to <paramref name="close"/> (a trailing comma is allowed).</summary>
    private List<Expr> ParseItems(string close)
    {
        var items = new List<Expr>();
        while (!Current.IsOperator(close))
        {
            items.Add(ParseExpression());
            if (!Current.IsOperator(close))
                Expect(TokenKind.Operator, $"',' or '{close}'", ",");
        }
        _index++;
        return items;
    }

    private DictExpr ParseDict(SourcePosition at)
    {
        var entries = new List<KeyValuePair<Expr, Expr>>();
        while (!Current.IsOperator("}"))
        {
            var key = ParseExpression();
            Expect(TokenKind.Operator, "':'", ":");
            entries.Add(new(key, ParseExpression()));
            if (!Current.IsOperator("}"))
                Expect(TokenKind.Operator, "',' or '}'", ",");
        }
        _index++;
        return new DictExpr(at, entries);
    }

    private Expr ParsePostfix(Expr value)
    {
        while (true)
        {
            if (Current.IsOperator("."))
            {
                var at = Next().Position;
                var name = Next();
                value = name.Kind switch
                {
                    TokenKind.Name => new AttributeExpr(at, value, name.Text),
                    TokenKind.Integer => new IndexExpr(at, value, new LiteralExpr(name.Position, long.Parse(name.Text, CultureInfo.InvariantCulture))),
                    _ => throw Error(name.Position, $"expected an attribute name after '.', found {name.Describe()}"),
                };
            }
            else if (Current.IsOperator("["))
                value = ParseSubscript(value, Next().Position);
            else if (Current.IsOperator("("))
                value = new CallExpr(Next().Position, value, ParseCallArguments());
            else
                return value;
        }
    }

    private Expr ParseSubscript(Expr target, SourcePosition at)
    {
        Expr? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Current.IsOperator("]"))
            {
                _index++;
                return new IndexExpr(at, target, start);
            }
            if (!Current.IsOperator(":"))
                throw Error(Current.Position, $"expected ']' or ':' in a subscript, found {Current.Describe()}");
        }
        _index++; // the first ':'
        Expr? stop = null, step = null;
        if (!Current.IsOperator("]") && !Current.IsOperator(":"))
            stop = ParseExpression();
        if (Current.IsOperator(":"))
        {
            _index++;
            if (!Current.IsOperator("]"))
                step = ParseExpression();
        }
        Expect(TokenKind.Operator, "']'", "]");
        return new SliceExpr(at, target, start, stop, step);
    }

    /// <summary>Arguments after an opening '(' up to and including ')'.</summary>
    private CallArguments ParseCallArguments()
    {
        var positional = new List<Expr>();
        var named = new List<KeyValuePair<string, Expr>>();
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + named.Count > 0)
                Expect(TokenKind.Operator, "',' or ')'", ",");
            if (Current.IsOperator(")"))
                break;
            if (Current.IsOperator("*") || Current.IsOperator("**"))
                throw Error(Current.Position, "'*args' and '**kwargs' arguments are not supported by this template interpreter");
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Next().Text;
                _index++;
                named.Add(new(name, ParseExpression()));
            }
            else if (named.Count > 0)
                throw Error(Current.Position, "a positional argument follows a keyword argument");
            else
                positional.Add(ParseExpression());
        }
        _index++;
        return new CallArguments(positional, named);
    }

    private Expr ParseFiltersAndTests(Expr value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                var at = Next().Position;
                var name = ExpectName("a filter name");
                if (!Filters.Exists(name))
                    throw Error(at, $"unknown filter '{name}'");
                var arguments = CallArguments.None;
                if (Current.IsOperator("("))
                {
                    _index++;
                    arguments = ParseCallArguments();
                }
                value = new FilterExpr(at, value, name, arguments);
            }
            else if (Current.IsName("is"))
                value = ParseTest(value, Next().Position);
            else if (Current.IsOperator("("))
                value = new CallExpr(Next().Position, value, ParseCallArguments());
            else
                return value;
        }
    }

    private TestExpr ParseTest(Expr value, SourcePosition at)
    {
        var negated = false;
        if (Current.IsName("not"))
        {
            _index++;
            negated = true;
        }
        var name = Next();
        if (name.Kind != TokenKind.Name && !(name.Kind == TokenKind.Operator && ComparisonOperators.Contains(name.Text)))
            throw Error(name.Position, $"expected a test name after 'is', found {name.Describe()}");
        if (!Tests.Exists(name.Text))
            throw Error(name.Position, $"unknown test '{name.Text}'");
        var arguments = CallArguments.None;
        if (Current.IsOperator("("))
        {
            _index++;
            arguments = ParseCallArguments();
        }
        else if (StartsTestArgument(Current))
            arguments = new CallArguments([ParsePostfix(ParsePrimary())], []);
        return new TestExpr(at, value, name.Text, arguments, negated);
    }

    /// <summary>A test takes one argument without parentheses (<c>x is divisibleby 3</c>) when a value follows.</summary>
    private static bool StartsTestArgument(Token token) => token.Kind switch
    {
        TokenKind.Name => token.Text is not ("else" or "or" or "and" or "if" or "in" or "not" or "is"),
        TokenKind.String or TokenKind.Integer or TokenKind.Float => true,
        TokenKind.Operator => token.Text is "[" or "{",
        _ => false,
    };
}
