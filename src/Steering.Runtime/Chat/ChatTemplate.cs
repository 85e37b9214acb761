using System;
using System.Collections.Generic;
using System.Linq;
using Steering.Chat.Jinja;
using Steering.Chat.Jinja.Ast;
using Steering.Chat.Jinja.Runtime;
using Steering.Checkpoints;

namespace Steering.Chat;

/// <summary>
/// A Hugging Face chat template (the Jinja <c>chat_template</c> of tokenizer_config.json), rendered as transformers'
/// <c>apply_chat_template(messages, tokenize=False)</c> renders it: Jinja2 with <c>trim_blocks</c> and
/// <c>lstrip_blocks</c>, <c>raise_exception</c>, <c>strftime_now</c> and a <c>tojson</c> that keeps non-ASCII text.
/// Parsing checks the whole template, so a construct this interpreter lacks fails at load time, naming its line.
/// A model's templates come from its tokenizer files: <see cref="Tokenization.TextTokenizer.GetChatTemplate"/>.
/// A parsed template is immutable: <see cref="Render"/> may run on several threads at once.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The name transformers uses when a config has several templates and none is asked for.</summary>
    public const string DefaultName = "default";

    private readonly IReadOnlyList<Stmt> _body;
    private readonly string _description;

    private ChatTemplate(string name, string source, string description)
    {
        Name = name;
        Source = source;
        _description = description;
        _body = Parser.Parse(source, description);
    }

    /// <summary>The template's name ("default" unless a config with several named it otherwise).</summary>
    public string Name { get; }

    /// <summary>The Jinja source.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="source"/>; throws <see cref="TemplateException"/> (with line and column) when it cannot.</summary>
    public static ChatTemplate Parse(string source, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        return new ChatTemplate(name, source, $"chat template '{name}'");
    }

    /// <summary>
    /// One of a set of template sources by name (as a tokenizer reads them from its files): <paramref name="name"/>, or
    /// "default" when null. <paramref name="origin"/>, the file or folder they came from, names them in errors; a
    /// missing name is a <see cref="CheckpointException"/> listing the names there are.
    /// </summary>
    public static ChatTemplate FromTemplates(IReadOnlyDictionary<string, string> templates, string? name, string origin)
    {
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentNullException.ThrowIfNull(origin);
        var wanted = name ?? DefaultName;
        if (templates.TryGetValue(wanted, out var source))
            return new ChatTemplate(wanted, source, $"chat template '{wanted}' of {origin}");
        var available = string.Join(", ", templates.Keys.Select(key => $"'{key}'"));
        throw new CheckpointException(origin, templates.Count == 0 ? "has no chat template"
            : name is null ? $"has several chat templates ({available}) and none named 'default': ask for one by name"
            : $"has no chat template named '{name}' (it has {available})");
    }

    /// <summary>
    /// Renders the conversation. <paramref name="addGenerationPrompt"/> appends the header that starts the assistant's
    /// reply. Throws <see cref="TemplateException"/> when the template rejects the messages (its own
    /// <c>raise_exception</c> text, <see cref="TemplateException.RaisedByTemplate"/>) or fails on them.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, ChatTemplateContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        context ??= ChatTemplateContext.Empty;
        var scope = new Scope(null);
        Globals.AddTo(scope, context.Clock);
        // transformers always passes tools and documents (None when not given) and the special tokens it has.
        scope.Set("tools", null);
        scope.Set("documents", null);
        if (context.BosToken is not null)
            scope.Set("bos_token", context.BosToken);
        if (context.EosToken is not null)
            scope.Set("eos_token", context.EosToken);
        foreach (var (variable, value) in context.Variables)
            scope.Set(variable, Values.FromJson(value));
        scope.Set("messages", messages.Select(ToValue).ToList());
        scope.Set("add_generation_prompt", addGenerationPrompt);
        return new Interpreter(_description).Render(_body, new Scope(scope));
    }

    private static object? ToValue(ChatMessage message)
    {
        var dict = Values.NewDict();
        dict["role"] = message.Role;
        dict["content"] = message.Parts is { } parts ? parts.Select(PartValue).ToList() : message.Content;
        foreach (var (field, value) in message.Fields)
            dict[field] = Values.FromJson(value);
        return dict;
    }

    private static object? PartValue(ChatContentPart part)
    {
        var dict = Values.NewDict();
        dict["type"] = part.Type;
        if (part.Text is not null)
            dict["text"] = part.Text;
        return dict;
    }
}
