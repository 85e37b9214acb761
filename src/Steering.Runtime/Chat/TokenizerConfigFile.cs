using System;
using System.IO;
using System.Text.Json;
using Steering.Checkpoints;

namespace Steering.Chat;

/// <summary>Reads a tokenizer_config.json into a JSON document, or fails naming the file.</summary>
internal static class TokenizerConfigFile
{
    public static JsonDocument Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new CheckpointException(path, "file not found");
        try
        {
            var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new CheckpointException(path, "expected a JSON object");
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"cannot be read: {e.Message}", e);
        }
    }
}
