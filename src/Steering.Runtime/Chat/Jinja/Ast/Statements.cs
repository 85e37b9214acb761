using System.Collections.Generic;

namespace Steering.Chat.Jinja.Ast;

/// <summary>A statement of the template body: text, output or a <c>{% %}</c> construct.</summary>
internal abstract record Stmt(SourcePosition Position);

/// <summary>Template text, copied to the output.</summary>
internal sealed record TextStmt(SourcePosition Position, string Text) : Stmt(Position);

/// <summary><c>{{ value }}</c>.</summary>
internal sealed record OutputStmt(SourcePosition Position, Expr Value) : Stmt(Position);

/// <summary>One <c>if</c>/<c>elif</c> condition and its body.</summary>
internal sealed record IfBranch(Expr Condition, IReadOnlyList<Stmt> Body);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c>.</summary>
internal sealed record IfStmt(SourcePosition Position, IReadOnlyList<IfBranch> Branches, IReadOnlyList<Stmt> Otherwise) : Stmt(Position);

/// <summary><c>{% for a, b in iterable if filter %}...{% else %}...{% endfor %}</c>.</summary>
internal sealed record ForStmt(SourcePosition Position, IReadOnlyList<string> Targets, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Otherwise) : Stmt(Position);

/// <summary>
/// What <c>set</c> assigns to: one or more names (several unpack a sequence), or a namespace attribute <c>ns.name</c>
/// when <see cref="Attribute"/> is set.
/// </summary>
internal sealed record AssignTarget(IReadOnlyList<string> Names, string? Attribute);

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetStmt(SourcePosition Position, AssignTarget Target, Expr Value) : Stmt(Position);

/// <summary><c>{% set target %}body{% endset %}</c>: assigns the rendered body.</summary>
internal sealed record SetBlockStmt(SourcePosition Position, AssignTarget Target, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary>A macro parameter and its default, if any.</summary>
internal sealed record MacroParameter(string Name, Expr? Default);

/// <summary><c>{% macro name(a, b='x') %}...{% endmacro %}</c>.</summary>
internal sealed record MacroStmt(SourcePosition Position, string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary><c>{% break %}</c> or <c>{% continue %}</c>.</summary>
internal sealed record LoopControlStmt(SourcePosition Position, bool IsBreak) : Stmt(Position);
