using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Steering.Chat;

namespace Steering.Tests.Chat;

/// <summary>
/// Templates rendered by Python's Jinja2 set up as transformers sets it up (Chat/Templates/python-jinja2-renders.json,
/// made by tools/make-python-jinja2-renders.py): hand-picked constructs plus seeded random templates that stress
/// whitespace control (trim_blocks, lstrip_blocks, '-' and '+') and Python's floor division, modulo and slicing.
/// </summary>
public sealed class PythonJinja2RenderTests
{
    [Fact]
    public void Every_template_renders_as_python_jinja2_does()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Chat", "Templates", "python-jinja2-renders.json")));
        var context = new ChatTemplateContext
        {
            Variables = document.RootElement.GetProperty("variables").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
        };
        var cases = document.RootElement.GetProperty("cases").EnumerateArray().ToList();
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var template = c.GetProperty("template").GetString()!;
            var expected = c.GetProperty("expected").GetString();
            string actual;
            try
            {
                actual = ChatTemplate.Parse(template).Render([], addGenerationPrompt: false, context);
            }
            catch (TemplateException e)
            {
                actual = "error: " + e.Message;
            }
            if (actual != expected)
                failures.Add($"{JsonSerializer.Serialize(template)}: expected {JsonSerializer.Serialize(expected)}, got {JsonSerializer.Serialize(actual)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} differ:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(cases.Count > 600);
    }
}
