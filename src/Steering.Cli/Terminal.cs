using System;
using System.IO;
using Spectre.Console;

namespace Steering.Cli;

/// <summary>
/// Where the commands write. Interactive (a terminal on stdout): Spectre spinners while loading and generating, tokens
/// streamed as they come. Redirected: plain lines only, no ANSI and no spinners, so the output can be parsed.
/// </summary>
internal sealed class Terminal
{
    public Terminal(TextWriter output, TextWriter error, bool interactive, IAnsiConsole? console = null)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Console = console ?? AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        if (console is null) Console.Profile.Width = 120; // help text, when not on a terminal
    }

    /// <summary>Results: the lines a script reads.</summary>
    public TextWriter Out { get; }

    /// <summary>Errors and warnings.</summary>
    public TextWriter Error { get; }

    /// <summary>True on a terminal: spinners and streaming.</summary>
    public bool Interactive { get; }

    /// <summary>Spectre's console (help text, spinners); plain when not interactive.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Runs <paramref name="work"/> under a spinner saying <paramref name="message"/> when interactive; silently otherwise.</summary>
    public T Status<T>(string message, Func<T> work)
    {
        if (!Interactive) return work();
        return Console.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(message), _ => work());
    }

    /// <summary>Writes a line of results.</summary>
    public void Line(string text) => Out.WriteLine(text);

    /// <summary>Writes <c>warning: …</c> to stderr.</summary>
    public void Warn(string message) => Error.WriteLine("warning: " + OneLine(message));

    /// <summary>The text with line breaks turned into spaces, for one-line messages.</summary>
    public static string OneLine(string text) =>
        text.ReplaceLineEndings(" ").Trim();
}
