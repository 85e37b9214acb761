using System.Globalization;

namespace Steering.Schema;

/// <summary>
/// A place in a text file: character offset and length, and the zero-based line and column where it starts
/// (what Roslyn's <c>TextSpan</c> and <c>LinePosition</c> need to point a diagnostic into an AdditionalFiles item).
/// </summary>
/// <param name="Offset">Zero-based character offset.</param>
/// <param name="Length">Length in characters.</param>
/// <param name="Line">Zero-based line.</param>
/// <param name="Column">Zero-based column.</param>
public sealed record TextPosition(int Offset, int Length, int Line, int Column)
{
    /// <summary>One-based, as editors and compilers print it: <c>(3,17)</c>.</summary>
    public override string ToString() =>
        "(" + (Line + 1).ToString(CultureInfo.InvariantCulture) + "," + (Column + 1).ToString(CultureInfo.InvariantCulture) + ")";
}

/// <summary>What kind of problem a schema (or vector sidecar) file has.</summary>
public enum SchemaProblemKind
{
    /// <summary>Not JSON, or JSON without a required field of the right type.</summary>
    Malformed,
    /// <summary>A <c>"format"</c> version this code does not read.</summary>
    UnknownFormat,
    /// <summary>Well-formed, but its parts disagree (an unknown dimension name, a block beyond <c>n_layers</c>, a duplicate point).</summary>
    Inconsistent,
}

/// <summary>One problem in a schema or sidecar file, with where it is.</summary>
/// <param name="Kind">The kind of problem.</param>
/// <param name="Message">A one-line message without the file name or position.</param>
/// <param name="Position">Where in the file.</param>
public sealed record SchemaProblem(SchemaProblemKind Kind, string Message, TextPosition Position)
{
    /// <summary>The message prefixed with its one-based position: <c>(3,17): expected ','</c>.</summary>
    public override string ToString() => Position + ": " + Message;
}
