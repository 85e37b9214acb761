using System;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// A failure inside the runtime helpers, which know no source positions; the interpreter turns it into a
/// <see cref="TemplateException"/> at the innermost expression being evaluated.
/// </summary>
internal sealed class RenderError : Exception
{
    public RenderError(string message, bool raisedByTemplate = false) : base(message) => RaisedByTemplate = raisedByTemplate;

    public RenderError() { }

    public RenderError(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The template's own <c>raise_exception(message)</c>.</summary>
    public bool RaisedByTemplate { get; }
}
