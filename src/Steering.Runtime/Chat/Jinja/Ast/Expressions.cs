using System.Collections.Generic;

namespace Steering.Chat.Jinja.Ast;

/// <summary>An expression: what <c>{{ }}</c> prints and statements test, assign or loop over.</summary>
internal abstract record Expr(SourcePosition Position);

/// <summary>A string, number, boolean or none written in the template.</summary>
internal sealed record LiteralExpr(SourcePosition Position, object? Value) : Expr(Position);

/// <summary>A variable: <c>messages</c>.</summary>
internal sealed record NameExpr(SourcePosition Position, string Name) : Expr(Position);

/// <summary><c>target.name</c>: an attribute, else the item of that key (Jinja2's getattr).</summary>
internal sealed record AttributeExpr(SourcePosition Position, Expr Target, string Name) : Expr(Position);

/// <summary><c>target[index]</c>: an item, else the attribute of that name (Jinja2's getitem).</summary>
internal sealed record IndexExpr(SourcePosition Position, Expr Target, Expr Index) : Expr(Position);

/// <summary><c>target[start:stop:step]</c> with Python's slice semantics.</summary>
internal sealed record SliceExpr(SourcePosition Position, Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr(Position);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record CallArguments(IReadOnlyList<Expr> Positional, IReadOnlyList<KeyValuePair<string, Expr>> Named)
{
    public static readonly CallArguments None = new([], []);
}

/// <summary><c>callee(args)</c>.</summary>
internal sealed record CallExpr(SourcePosition Position, Expr Callee, CallArguments Arguments) : Expr(Position);

/// <summary><c>target | name(args)</c>.</summary>
internal sealed record FilterExpr(SourcePosition Position, Expr Target, string Name, CallArguments Arguments) : Expr(Position);

/// <summary><c>target is [not] name(args)</c>.</summary>
internal sealed record TestExpr(SourcePosition Position, Expr Target, string Name, CallArguments Arguments, bool Negated) : Expr(Position);

/// <summary><c>-x</c>, <c>+x</c> or <c>not x</c>.</summary>
internal sealed record UnaryExpr(SourcePosition Position, string Operator, Expr Operand) : Expr(Position);

/// <summary>Arithmetic and concatenation: <c>+ - * / // % ** ~</c>.</summary>
internal sealed record BinaryExpr(SourcePosition Position, string Operator, Expr Left, Expr Right) : Expr(Position);

/// <summary><c>and</c>/<c>or</c>, short-circuiting and returning an operand as Python does.</summary>
internal sealed record LogicalExpr(SourcePosition Position, bool IsAnd, Expr Left, Expr Right) : Expr(Position);

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>; operators are <c>== != &lt; &lt;= &gt; &gt;= in</c> and <c>not in</c>.</summary>
internal sealed record CompareExpr(SourcePosition Position, Expr First, IReadOnlyList<KeyValuePair<string, Expr>> Rest) : Expr(Position);

/// <summary><c>then if condition else otherwise</c>; without <c>else</c> the false branch is undefined.</summary>
internal sealed record ConditionalExpr(SourcePosition Position, Expr Condition, Expr Then, Expr? Otherwise) : Expr(Position);

/// <summary><c>[a, b]</c>, or a tuple <c>(a, b)</c> when <paramref name="IsTuple"/>.</summary>
internal sealed record ListExpr(SourcePosition Position, IReadOnlyList<Expr> Items, bool IsTuple = false) : Expr(Position);

/// <summary><c>{key: value, ...}</c>.</summary>
internal sealed record DictExpr(SourcePosition Position, IReadOnlyList<KeyValuePair<Expr, Expr>> Entries) : Expr(Position);
