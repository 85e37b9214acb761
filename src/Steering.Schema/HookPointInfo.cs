using System.Collections.Generic;
using System.Linq;

namespace Steering.Schema;

/// <summary>
/// One hook point as data: its canonical name and its activation's shape in named dimensions.
/// A model describes all of its points this way; the schema file is a list of them.
/// </summary>
/// <param name="Name">The canonical name, e.g. <c>blocks.5.resid_post</c>.</param>
/// <param name="Dims">The activation's dimensions in order, e.g. <c>[batch, pos, d_model]</c> (names from <see cref="HookDims"/>).</param>
public sealed record HookPointInfo(string Name, EquatableArray<string> Dims)
{
    /// <summary>The block index for a <c>blocks.{i}.…</c> point; null for a model-level point.</summary>
    public int? Layer => HookNames.TryParse(Name, out var parsed) ? parsed.Layer : null;

    /// <summary>
    /// The dimensions a steering vector for this point has: those after <c>batch</c> and <c>pos</c>.
    /// Empty when the point is not positional (an attention pattern), where a vector cannot be added per position.
    /// </summary>
    public EquatableArray<string> VectorDims =>
        Dims.Count >= 2 && Dims[0] == HookDims.Batch && Dims[1] == HookDims.Pos && !Dims.Skip(2).Any(HookDims.IsDynamic)
            ? new EquatableArray<string>(Dims.Skip(2))
            : default;

    /// <summary>True when a vector can be added at every position of this point.</summary>
    public bool AcceptsVector => VectorDims.Count > 0;

    /// <summary>The activation's sizes, null where a dimension varies (batch, positions).</summary>
    public IReadOnlyList<int?> ShapeIn(ModelDimensions dimensions) => Dims.Select(dimensions.SizeOf).ToArray();

    /// <summary>The sizes of a steering vector for this point (see <see cref="VectorDims"/>).</summary>
    public IReadOnlyList<int> VectorShapeIn(ModelDimensions dimensions) =>
        VectorDims.Select(d => dimensions.SizeOf(d)!.Value).ToArray();

    /// <summary>The shape written as TransformerLens writes it: <c>[batch, pos, d_model]</c>.</summary>
    public string DimsText => "[" + string.Join(", ", Dims) + "]";
}
