using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Steering.Schema;

namespace Steering.Generators.Model;

/// <summary>
/// A location as plain values (file path, span, line span), so pipeline models never hold a <see cref="Location"/>
/// (which roots a syntax tree and defeats caching). <see cref="ToLocation"/> rebuilds one for reporting.
/// </summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>
    /// A Roslyn location for a diagnostic: in <paramref name="compilation"/>'s syntax tree of the same path when there is
    /// one (so <c>#pragma warning disable</c>, editor squiggles and code fixes work), else a file location (AdditionalFiles).
    /// </summary>
    public Location ToLocation(Compilation? compilation = null)
    {
        if (compilation is not null)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == FilePath && Span.End <= tree.Length) return Location.Create(tree, Span);
            }
        }
        return Location.Create(FilePath, Span, LineSpan);
    }

    /// <summary>The plain form of a source location (null for none).</summary>
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>The plain form of a syntax node's location.</summary>
    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    /// <summary>A place in an AdditionalFiles item (a schema or sidecar).</summary>
    public static LocationInfo InFile(string path, TextPosition position)
    {
        var start = new LinePosition(position.Line, position.Column);
        var end = new LinePosition(position.Line, position.Column + position.Length);
        return new LocationInfo(path, new TextSpan(position.Offset, position.Length), new LinePositionSpan(start, end));
    }
}
