using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints;

namespace Steering.Models;

/// <summary>Reads <see cref="SpecialTokenIds"/> from config.json and generation_config.json, and writes them back.</summary>
internal static class SpecialTokenIdsReader
{
    /// <summary>
    /// generation_config.json wins where it names a token (Hugging Face's <c>generate</c> reads it; its
    /// <c>eos_token_id</c> is often a list, e.g. Llama 3 instruct's end-of-turn and end-of-text); then config.json; then
    /// the family's config-class defaults.
    /// </summary>
    public static SpecialTokenIds Read(ConfigJson config, ConfigJson? generation, int? defaultBos, int? defaultEos)
    {
        int? First(string key) => (generation?.GetIntList(key) ?? config.GetIntList(key)) is { Count: > 0 } ids ? ids[0] : null;
        var eos = generation?.GetIntList("eos_token_id") ?? config.GetIntList("eos_token_id")
            ?? (defaultEos is int id ? new[] { id } : System.Array.Empty<int>());
        var hasBos = generation?.Has("bos_token_id") == true || config.Has("bos_token_id");
        return new SpecialTokenIds(hasBos ? First("bos_token_id") : defaultBos, eos.Distinct().ToList(), First("pad_token_id"));
    }

    /// <summary>The token keys as generation_config.json writes them (EOS a list only when there are several).</summary>
    private static IEnumerable<string> JsonMembers(SpecialTokenIds tokens)
    {
        static string Id(int? id) => id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";
        yield return $"\"bos_token_id\": {Id(tokens.Bos)}";
        yield return tokens.Eos.Count switch
        {
            0 => "\"eos_token_id\": null",
            1 => $"\"eos_token_id\": {Id(tokens.Eos[0])}",
            _ => $"\"eos_token_id\": [{string.Join(", ", tokens.Eos.Select(e => Id(e)))}]",
        };
        if (tokens.Pad is not null) yield return $"\"pad_token_id\": {Id(tokens.Pad)}";
    }

    /// <summary>generation_config.json as <c>save_pretrained</c> writes it for a causal LM.</summary>
    public static string GenerationConfig(SpecialTokenIds tokens) =>
        "{\n  " + string.Join(",\n  ", JsonMembers(tokens)) + "\n}\n";
}
