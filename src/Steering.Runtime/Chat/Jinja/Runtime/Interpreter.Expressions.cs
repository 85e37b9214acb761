using System.Collections.Generic;
using Steering.Chat.Jinja.Ast;

namespace Steering.Chat.Jinja.Runtime;

internal sealed partial class Interpreter
{
    private object? Evaluate(Expr expression, Scope scope)
    {
        try
        {
            EnsureStack();
            return EvaluateCore(expression, scope);
        }
        catch (RenderError error)
        {
            throw Fail(expression.Position, error);
        }
    }

    private object? EvaluateCore(Expr expression, Scope scope) => expression switch
    {
        LiteralExpr literal => literal.Value,
        NameExpr name => scope.TryGet(name.Name, out var value) ? value : Undefined.Name(name.Name),
        AttributeExpr attribute => Access.Attribute(Evaluate(attribute.Target, scope), attribute.Name),
        IndexExpr index => Access.Item(Evaluate(index.Target, scope), Evaluate(index.Index, scope)),
        SliceExpr slice => Access.Slice(Evaluate(slice.Target, scope), EvaluateOptional(slice.Start, scope), EvaluateOptional(slice.Stop, scope), EvaluateOptional(slice.Step, scope)),
        CallExpr call => Call(Evaluate(call.Callee, scope), EvaluateArguments(call.Arguments, scope)),
        FilterExpr filter => Filters.Apply(filter.Name, Evaluate(filter.Target, scope), EvaluateArguments(filter.Arguments, scope)),
        TestExpr test => Tests.Apply(test.Name, Evaluate(test.Target, scope), EvaluateArguments(test.Arguments, scope)) != test.Negated,
        UnaryExpr unary => Operators.Unary(unary.Operator, Evaluate(unary.Operand, scope)),
        BinaryExpr binary => Operators.Binary(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope)),
        LogicalExpr logical => EvaluateLogical(logical, scope),
        CompareExpr compare => EvaluateCompare(compare, scope),
        ConditionalExpr conditional => Values.IsTruthy(Evaluate(conditional.Condition, scope))
            ? Evaluate(conditional.Then, scope)
            : conditional.Otherwise is null
                ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                : Evaluate(conditional.Otherwise, scope),
        ListExpr list => list.IsTuple ? new TupleValue(EvaluateList(list.Items, scope)) : EvaluateList(list.Items, scope),
        DictExpr dict => EvaluateDict(dict, scope),
        _ => throw new RenderError($"unsupported expression {expression.GetType().Name}"),
    };

    private object? EvaluateOptional(Expr? expression, Scope scope) => expression is null ? null : Evaluate(expression, scope);

    private static object? Call(object? callee, Arguments arguments) => callee switch
    {
        Callable callable => callable.Invoke(arguments),
        Undefined undefined => throw undefined.Fail(),
        _ => throw new RenderError($"'{Values.TypeName(callee)}' object is not callable"),
    };

    private Arguments EvaluateArguments(CallArguments arguments, Scope scope)
    {
        if (arguments.Positional.Count == 0 && arguments.Named.Count == 0)
            return Arguments.None;
        var positional = EvaluateList(arguments.Positional, scope);
        var named = new List<KeyValuePair<string, object?>>(arguments.Named.Count);
        foreach (var (name, value) in arguments.Named)
            named.Add(new(name, Evaluate(value, scope)));
        return new Arguments(positional, named);
    }

    private object? EvaluateLogical(LogicalExpr logical, Scope scope)
    {
        var left = Evaluate(logical.Left, scope);
        return Values.IsTruthy(left) == logical.IsAnd ? Evaluate(logical.Right, scope) : left;
    }

    private bool EvaluateCompare(CompareExpr compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, operand) in compare.Rest)
        {
            var right = Evaluate(operand, scope);
            var holds = op switch
            {
                "==" => Values.AreEqual(left, right),
                "!=" => !Values.AreEqual(left, right),
                "<" => Values.Compare(left, right, op) < 0,
                "<=" => Values.Compare(left, right, op) <= 0,
                ">" => Values.Compare(left, right, op) > 0,
                ">=" => Values.Compare(left, right, op) >= 0,
                "in" => Values.Contains(right, left),
                _ => !Values.Contains(right, left),
            };
            if (!holds)
                return false;
            left = right;
        }
        return true;
    }

    private List<object?> EvaluateList(IReadOnlyList<Expr> items, Scope scope)
    {
        var values = new List<object?>(items.Count);
        foreach (var item in items)
            values.Add(Evaluate(item, scope));
        return values;
    }

    private OrderedDictionary<object, object?> EvaluateDict(DictExpr dict, Scope scope)
    {
        var values = Values.NewDict();
        foreach (var (key, value) in dict.Entries)
            values[Evaluate(key, scope) ?? throw new RenderError("a dict key cannot be None in this template interpreter")] = Evaluate(value, scope);
        return values;
    }
}
