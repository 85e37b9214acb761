using System.Linq;

namespace Steering.Schema;

/// <summary>
/// One model's hook points as the source generator sees them: its identity, its sizes and every hook point with its
/// shape. Written by <c>steer schema</c> (see <see cref="ModelSchemaWriter"/>); the file format is documented in
/// docs/schema-format.md and versioned by <see cref="Format"/>.
/// </summary>
/// <param name="Format">The file format version (<see cref="CurrentFormat"/> when written by this version).</param>
/// <param name="Name">The model's name (its folder name or the name given to <c>steer schema</c>).</param>
/// <param name="Architecture">The Hugging Face <c>model_type</c>, e.g. <c>gpt2</c> or <c>llama</c>.</param>
/// <param name="Dimensions">The model's sizes.</param>
/// <param name="HookPoints">Every hook point, in forward order.</param>
public sealed record ModelSchema(int Format, string Name, string Architecture, ModelDimensions Dimensions, EquatableArray<HookPointInfo> HookPoints)
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The hook point named <paramref name="name"/> (canonical or alias), or null.</summary>
    public HookPointInfo? Find(string name)
    {
        var canonical = HookNames.Canonicalize(name);
        return HookPoints.FirstOrDefault(p => p.Name == canonical);
    }
}
