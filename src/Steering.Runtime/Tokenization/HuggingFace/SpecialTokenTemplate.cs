using System.Collections.Generic;
using System.Linq;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// What a tokenizer.json <c>post_processor</c> does to one sequence's ids when special tokens are asked for: ids
/// before and after it (TemplateProcessing's <c>single</c> template). ByteLevel only trims offsets: no ids.
/// </summary>
internal sealed record SpecialTokenTemplate(int[] Before, int[] After)
{
    /// <summary>No ids added.</summary>
    public static SpecialTokenTemplate None { get; } = new([], []);

    /// <summary>The template <paramref name="node"/> (a post-processor) describes.</summary>
    /// <exception cref="Steering.Checkpoints.CheckpointException">An unsupported type, named with the file.</exception>
    public static SpecialTokenTemplate Read(JsonNode node) => node.Type switch
    {
        "ByteLevel" => None,
        "TemplateProcessing" => ReadTemplate(node),
        // Each processor wraps what the previous ones produced.
        "Sequence" => node.Required("processors").Items().Select(Read)
            .Aggregate(None, (inner, outer) => new SpecialTokenTemplate([.. outer.Before, .. inner.Before], [.. inner.After, .. outer.After])),
        var type => throw node.Error($"post-processor type \"{type}\" is not supported (supported: TemplateProcessing, ByteLevel, Sequence)"),
    };

    private static SpecialTokenTemplate ReadTemplate(JsonNode node)
    {
        var specials = new Dictionary<string, int[]>(System.StringComparer.Ordinal);
        if (node.Optional("special_tokens") is { } table)
        {
            foreach (var (name, special) in table.Members())
                specials[name] = special.Required("ids").Items().Select(id => id.AsInt()).ToArray();
        }
        var before = new List<int>();
        var after = new List<int>();
        var sawSequence = false;
        foreach (var item in node.Required("single").Items())
        {
            if (item.Optional("SpecialToken") is { } special)
            {
                var name = special.Required("id").AsString();
                var ids = specials.TryGetValue(name, out var found) ? found : throw special.Error($"\"{name}\" is not in the template's special_tokens");
                (sawSequence ? after : before).AddRange(ids);
            }
            else if (item.Optional("Sequence") is { } sequence)
            {
                var id = sequence.Required("id").AsString();
                if (id != "A" || sawSequence) throw sequence.Error($"a single-sequence template holds sequence A once (found {id})");
                sawSequence = true;
            }
            else
            {
                throw item.Error("a template item is {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        if (!sawSequence) throw node.Error("the single template has no sequence A");
        return new SpecialTokenTemplate(before.ToArray(), after.ToArray());
    }
}
