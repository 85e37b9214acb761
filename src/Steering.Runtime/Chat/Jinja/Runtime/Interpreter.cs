using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using Steering.Chat.Jinja.Ast;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// Renders a parsed template (this file: statements; Interpreter.Expressions.cs: expressions). Errors from the value
/// helpers become <see cref="TemplateException"/>s at the innermost construct being run, with its line and column.
/// </summary>
internal sealed partial class Interpreter(string templateName)
{
    private enum Flow { Normal, Break, Continue }

    private long _iterations;
    private int _callDepth;

    public string Render(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var statement in body)
        {
            Flow flow;
            try
            {
                EnsureStack();
                flow = ExecuteOne(statement, scope, output);
            }
            catch (RenderError error)
            {
                throw Fail(statement.Position, error);
            }
            if (flow != Flow.Normal)
                return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Stmt statement, Scope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStmt text:
                Append(output, text.Text);
                return Flow.Normal;
            case OutputStmt print:
                Append(output, Values.Str(Evaluate(print.Value, scope)));
                return Flow.Normal;
            case IfStmt conditional:
                foreach (var branch in conditional.Branches)
                    if (Values.IsTruthy(Evaluate(branch.Condition, scope)))
                        return Execute(branch.Body, scope, output);
                return Execute(conditional.Otherwise, scope, output);
            case ForStmt loop:
                ExecuteFor(loop, scope, output);
                return Flow.Normal;
            case SetStmt set:
                Assign(set.Target, Evaluate(set.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt block:
                var captured = new StringBuilder();
                Execute(block.Body, scope, captured);
                Assign(block.Target, captured.ToString(), scope);
                return Flow.Normal;
            case MacroStmt macro:
                scope.Set(macro.Name, new Macro(macro, this, scope));
                return Flow.Normal;
            case LoopControlStmt control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            default:
                throw new RenderError($"unsupported statement {statement.GetType().Name}");
        }
    }

    private static void Append(StringBuilder output, string text)
    {
        Limits.CheckLength((long)output.Length + text.Length, "the rendered text");
        output.Append(text);
    }

    private void ExecuteFor(ForStmt loop, Scope scope, StringBuilder output)
    {
        var source = Values.Iterate(Evaluate(loop.Iterable, scope));
        var loopScope = new Scope(scope);
        var items = new List<object?>(source.Count);
        foreach (var item in source)
        {
            if (loop.Filter is null)
            {
                items.Add(item);
                continue;
            }
            CountIteration();
            BindTargets(loop.Targets, item, loopScope);
            if (Values.IsTruthy(Evaluate(loop.Filter, loopScope)))
                items.Add(item);
        }
        var info = new LoopInfo(items);
        loopScope.Set("loop", info);
        for (var i = 0; i < items.Count; i++)
        {
            CountIteration();
            info.Index0 = i;
            BindTargets(loop.Targets, items[i], loopScope);
            if (Execute(loop.Body, loopScope, output) == Flow.Break)
                break;
        }
        if (items.Count == 0)
            Execute(loop.Otherwise, scope, output);
    }

    /// <summary>
    /// Fails before the thread's stack runs out: nesting is bounded by the parser, but macros may recurse (up to
    /// <see cref="Limits.MaxCallDepth"/>) through deeply nested bodies, and the caller's stack may be small.
    /// </summary>
    private static void EnsureStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new RenderError("the template nests too deeply for the stack it renders on");
    }

    private void CountIteration()
    {
        if (++_iterations > Limits.MaxLoopIterations)
            throw new RenderError($"the template ran more than {Limits.MaxLoopIterations} loop iterations");
    }

    private static void BindTargets(IReadOnlyList<string> targets, object? item, Scope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }
        var values = item is string or List<object?> or OrderedDictionary<object, object?>
            ? Values.Iterate(item)
            : throw new RenderError($"cannot unpack non-iterable {Values.TypeName(item)} object");
        if (values.Count != targets.Count)
            throw new RenderError(values.Count > targets.Count
                ? $"too many values to unpack (expected {targets.Count})"
                : $"not enough values to unpack (expected {targets.Count}, got {values.Count})");
        for (var i = 0; i < targets.Count; i++)
            scope.Set(targets[i], values[i]);
    }

    private static void Assign(AssignTarget target, object? value, Scope scope)
    {
        if (target.Attribute is null)
        {
            BindTargets(target.Names, value, scope);
            return;
        }
        var name = target.Names[0];
        if (!scope.TryGet(name, out var owner) || owner is not Namespace ns)
            throw new RenderError($"cannot assign attribute '{target.Attribute}' on '{name}': only a namespace() takes attributes");
        ns.Attributes[target.Attribute] = value;
    }

    private TemplateException Fail(SourcePosition at, RenderError error) =>
        new(templateName, at.Line, at.Column, error.Message, error.RaisedByTemplate);

    /// <summary>A <c>{% macro %}</c>: called with positional or keyword arguments, it renders its body in a fresh scope.</summary>
    private sealed class Macro(MacroStmt definition, Interpreter interpreter, Scope closure) : Callable(definition.Name)
    {
        public override object? Invoke(Arguments arguments)
        {
            var parameters = definition.Parameters;
            var names = new string[parameters.Count];
            for (var i = 0; i < names.Length; i++)
                names[i] = parameters[i].Name;
            arguments.Bind($"macro '{Name}'", names);
            if (interpreter._callDepth >= Limits.MaxCallDepth)
                throw new RenderError($"macros call each other more than {Limits.MaxCallDepth} levels deep");
            var scope = new Scope(closure);
            foreach (var parameter in parameters)
            {
                var value = arguments.TryGet(System.Array.IndexOf(names, parameter.Name), parameter.Name, out var given) ? given
                    : parameter.Default is not null ? interpreter.Evaluate(parameter.Default, scope)
                    : Undefined.Name(parameter.Name);
                scope.Set(parameter.Name, value);
            }
            var output = new StringBuilder();
            interpreter._callDepth++;
            try
            {
                interpreter.Execute(definition.Body, scope, output);
            }
            finally
            {
                interpreter._callDepth--;
            }
            return output.ToString();
        }
    }
}
