using System.Linq;
using System.Text.Json;
using Steering.Chat;

namespace Steering.Tests.Chat;

/// <summary>Renders a template with no messages and the given variables (a JSON object).</summary>
internal static class TemplateRendering
{
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
