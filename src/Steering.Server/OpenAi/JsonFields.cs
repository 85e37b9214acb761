using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace Steering.Server.OpenAi;

/// <summary>Typed reads of a request body's fields; a field of the wrong type is an <see cref="ApiException"/> naming it.</summary>
internal static class JsonFields
{
    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Get(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? Text(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw new ApiException($"'{name}' must be a string", name),
    };

    public static double? Number(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetDouble(out var number) && double.IsFinite(number) => number,
        _ => throw new ApiException($"'{name}' must be a number", name),
    };

    public static long? Integer(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var number) => number,
        _ => throw new ApiException($"'{name}' must be an integer", name),
    };

    public static bool Flag(JsonElement body, string name) => Get(body, name) switch
    {
        null => false,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new ApiException($"'{name}' must be true or false", name),
    };

    /// <summary>A string or a list of strings (OpenAI's <c>stop</c>).</summary>
    public static IReadOnlyList<string> Texts(JsonElement body, string name) => Get(body, name) switch
    {
        null => [],
        { ValueKind: JsonValueKind.String } value => [value.GetString()!],
        { ValueKind: JsonValueKind.Array } values when values.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
            values.EnumerateArray().Select(v => v.GetString()!).ToList(),
        _ => throw new ApiException($"'{name}' must be a string or a list of strings", name),
    };

    /// <summary>A list whose items are objects.</summary>
    public static IReadOnlyList<JsonElement> Objects(JsonElement body, string name) => Get(body, name) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Array } values when values.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Object) =>
            values.EnumerateArray().ToList(),
        _ => throw new ApiException($"'{name}' must be a list of objects", name),
    };
}
