using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using Steering.Chat;

namespace Steering.Vectors;

/// <summary>
/// The JSON Lines files builders read (a JSON object per line; blank lines skipped): pairs files and training-target
/// files. Every problem names the file and line.
/// </summary>
internal static class JsonLinesFile
{
    /// <summary>Each non-blank line's object, converted by <paramref name="convert"/>; at least one.</summary>
    /// <exception cref="SteeringException">Unreadable, a line that is not a JSON object or that <paramref name="convert"/> rejects, or no entries.</exception>
    public static IReadOnlyList<T> Read<T>(string path, string what, Func<Line, T> convert)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SteeringException($"{path}: cannot read the {what} file: {e.Message}", e);
        }
        var items = new List<T>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(lines[i]);
            }
            catch (JsonException e)
            {
                throw new SteeringException($"{path} line {i + 1}: not valid JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')})", e);
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new SteeringException($"{path} line {i + 1}: expected a JSON object, got {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
                items.Add(convert(new Line(path, i + 1, document.RootElement)));
            }
        }
        if (items.Count == 0) throw new SteeringException($"{path} holds no {what}; write one JSON object per line");
        return items;
    }

    /// <summary>One line's object, with the helpers to read its fields and name the line in errors.</summary>
    public readonly record struct Line(string Path, int Number, JsonElement Root)
    {
        /// <summary>A string field; null when absent unless <paramref name="required"/>.</summary>
        public string? String(string key, bool required)
        {
            if (!Root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
                return required ? throw Error($"needs a \"{key}\" string") : null;
            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error($"\"{key}\" must be a string, not {value.ValueKind.ToString().ToLowerInvariant()}");
        }

        /// <summary>The conversation under <c>messages</c>, or null when the line has none.</summary>
        public IReadOnlyList<ChatMessage>? Messages()
        {
            if (!Root.TryGetProperty("messages", out var value) || value.ValueKind == JsonValueKind.Null) return null;
            var messages = ChatMessagesFile.Parse(Encoding.UTF8.GetBytes(value.GetRawText()), $"{Path} line {Number} \"messages\"");
            return messages.Count > 0 ? messages : throw Error("\"messages\" is empty");
        }

        /// <summary>An error about this line.</summary>
        public SteeringException Error(string problem) => new($"{Path} line {Number}: {problem}");
    }
}
