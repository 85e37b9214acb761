using System.Linq;
using System.Text.Json;
using Steering.Chat;

namespace Steering.Tests.Chat;

/// <summary>Test renderings: a template with no messages, and the templates of Templates/*/tokenizer_config.json.</summary>
internal static class TemplateRendering
{
    /// <summary>
    /// The default template and the BOS/EOS texts of a tokenizer_config.json that comes without tokenizer files (those
    /// under Templates/): the test's own reading, for the interpreter's tests. Models read theirs through
    /// <see cref="Steering.Tokenization.TextTokenizer"/>.
    /// </summary>
    public static (ChatTemplate Template, ChatTemplateContext Tokens) FromConfig(string configPath)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(configPath));
        var root = document.RootElement;
        var templates = root.GetProperty("chat_template");
        var source = templates.ValueKind == JsonValueKind.String
            ? templates.GetString()!
            : templates.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "default").GetProperty("template").GetString()!;
        string? Text(string key) => !root.TryGetProperty(key, out var token) || token.ValueKind == JsonValueKind.Null ? null
            : token.ValueKind == JsonValueKind.String ? token.GetString() : token.GetProperty("content").GetString();
        return (ChatTemplate.FromTemplates(new System.Collections.Generic.Dictionary<string, string> { ["default"] = source }, null, configPath),
            new ChatTemplateContext { BosToken = Text("bos_token"), EosToken = Text("eos_token") });
    }

    public static string Render(string template, string variables = "{}")
    {
        using var document = JsonDocument.Parse(variables);
        var context = new ChatTemplateContext
        {
            Variables = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
        };
        return ChatTemplate.Parse(template).Render([], addGenerationPrompt: false, context);
    }
}
