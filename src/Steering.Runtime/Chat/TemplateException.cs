using System;

namespace Steering.Chat;

/// <summary>
/// A chat template that cannot be parsed or rendered: a syntax error, a construct the interpreter does not support, an
/// operation the values do not allow, or the template's own <c>raise_exception(...)</c>. The message is one line that
/// names the template and, where known, the line and column.
/// </summary>
public sealed class TemplateException : SteeringException
{
    /// <summary>
    /// Creates an error about the template <paramref name="template"/> names (e.g. "chat template 'default' of
    /// tokenizer_config.json") at a line and column (1-based; 0 when unknown).
    /// </summary>
    public TemplateException(string template, int line, int column, string problem, bool raisedByTemplate = false)
        : base(Format(template, line, column, problem, raisedByTemplate))
    {
        Template = template;
        Line = line;
        Column = column;
        Problem = problem;
        RaisedByTemplate = raisedByTemplate;
    }

    /// <summary>Creates an error with a message (prefer the other constructor).</summary>
    public TemplateException(string message) : base(message)
    {
        Template = "";
        Problem = message;
    }

    /// <summary>Creates an error with a message and its cause (prefer the other constructor).</summary>
    public TemplateException(string message, Exception innerException) : base(message, innerException)
    {
        Template = "";
        Problem = message;
    }

    /// <summary>Creates an error with no message (prefer the other constructors).</summary>
    public TemplateException() => Template = Problem = "";

    /// <summary>How the message names the template: "chat template 'default'", with its file when it came from one.</summary>
    public string Template { get; }

    /// <summary>The 1-based line of the construct at fault, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the construct at fault, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>The problem alone, without the template name and position; for <see cref="RaisedByTemplate"/> errors the template's own text.</summary>
    public string Problem { get; }

    /// <summary>True when the template itself rejected its input with <c>raise_exception(message)</c>.</summary>
    public bool RaisedByTemplate { get; }

    private static string Format(string name, int line, int column, string problem, bool raised)
    {
        var where = line > 0 ? $"{name} line {line}, column {column}" : name;
        return raised ? $"{problem} (raised by {where})" : $"{where}: {problem}";
    }
}
