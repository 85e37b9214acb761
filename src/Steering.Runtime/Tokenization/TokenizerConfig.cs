using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Steering.Tokenization.HuggingFace;

namespace Steering.Tokenization;

/// <summary>
/// What <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> say beside the tokenizer itself: the special
/// tokens' texts, transformers' <c>add_bos_token</c>/<c>add_eos_token</c>, the tokenizer class, the added tokens of
/// slow tokenizers, and the chat templates (also <c>chat_template.jinja</c> and <c>additional_chat_templates/NAME.jinja</c>,
/// where newer transformers save them).
/// </summary>
internal sealed class TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    public const string SpecialTokensMapFile = "special_tokens_map.json";

    public const string ChatTemplateFile = "chat_template.jinja";

    /// <summary>The folder of named template files (<c>NAME.jinja</c>) beside <see cref="ChatTemplateFile"/>.</summary>
    public const string AdditionalChatTemplatesFolder = "additional_chat_templates";

    /// <summary>The special tokens transformers knows by name (its <c>SPECIAL_TOKENS_ATTRIBUTES</c>, but the additional ones).</summary>
    public static readonly IReadOnlyList<string> SpecialKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    private readonly Dictionary<string, string> _specialTexts = new(StringComparer.Ordinal);

    /// <summary>The files read (for saving them with the model).</summary>
    public List<string> Files { get; } = [];

    /// <summary>The text of one of <see cref="SpecialKeys"/> (<c>bos_token</c>, <c>eos_token</c>, …), or null.</summary>
    public string? SpecialText(string key) => _specialTexts.GetValueOrDefault(key);

    /// <summary><c>add_bos_token</c> when the file sets it.</summary>
    public bool? AddBosToken { get; private set; }

    /// <summary><c>add_eos_token</c> when the file sets it.</summary>
    public bool? AddEosToken { get; private set; }

    /// <summary>transformers' <c>legacy</c> flag of Llama tokenizers, when the file sets it.</summary>
    public bool? Legacy { get; private set; }

    /// <summary><c>tokenizer_class</c> without a <c>Fast</c> suffix, or null.</summary>
    public string? TokenizerClass { get; private set; }

    /// <summary>The entries of <c>added_tokens_decoder</c>.</summary>
    public List<AddedToken> AddedTokens { get; } = [];

    /// <summary>
    /// The chat templates by name (a single template is named <c>default</c>). Template files, when there are any,
    /// replace the config's templates, as transformers' <c>from_pretrained</c> does.
    /// </summary>
    public Dictionary<string, string> ChatTemplates { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads the configuration files present in <paramref name="folder"/> (none of them is required).</summary>
    /// <exception cref="Steering.Checkpoints.CheckpointException">A file is there but malformed.</exception>
    public static TokenizerConfig Read(string folder)
    {
        var config = new TokenizerConfig();
        var path = Path.Combine(folder, FileName);
        if (File.Exists(path))
        {
            using var document = JsonNode.ParseFile(path, out var root);
            config.Files.Add(path);
            config.ReadSpecialTexts(root);
            config.AddBosToken = root.Optional("add_bos_token")?.AsBool();
            config.AddEosToken = root.Optional("add_eos_token")?.AsBool();
            config.Legacy = root.Optional("legacy")?.AsBool();
            config.TokenizerClass = root.String("tokenizer_class")?.Replace("Fast", "", StringComparison.Ordinal);
            if (root.Optional("added_tokens_decoder") is { } decoder)
            {
                foreach (var (id, token) in decoder.Members())
                {
                    if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) throw token.Error("an added token's key is its id");
                    config.AddedTokens.Add(AddedToken.Read(token, number));
                }
            }
            if (root.Optional("chat_template") is { } template) config.ReadChatTemplates(template);
        }
        var map = Path.Combine(folder, SpecialTokensMapFile);
        if (File.Exists(map))
        {
            using var document = JsonNode.ParseFile(map, out var root);
            config.Files.Add(map);
            config.ReadSpecialTexts(root);
        }
        config.ReadChatTemplateFiles(folder);
        return config;
    }

    /// <summary>
    /// <c>chat_template.jinja</c> (the default template) and <c>additional_chat_templates/NAME.jinja</c>: when any exist
    /// they are the templates, and the config's <c>chat_template</c> is ignored.
    /// </summary>
    private void ReadChatTemplateFiles(string folder)
    {
        var files = new List<(string Name, string Path)>();
        var main = Path.Combine(folder, ChatTemplateFile);
        if (File.Exists(main)) files.Add((Steering.Chat.ChatTemplate.DefaultName, main));
        var additional = Path.Combine(folder, AdditionalChatTemplatesFolder);
        if (Directory.Exists(additional))
            files.AddRange(Directory.GetFiles(additional, "*.jinja").Order(StringComparer.Ordinal).Select(file => (Path.GetFileNameWithoutExtension(file), file)));
        if (files.Count == 0) return;
        ChatTemplates.Clear();
        foreach (var (name, file) in files)
        {
            try
            {
                ChatTemplates[name] = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new Steering.Checkpoints.CheckpointException(file, $"cannot be read: {e.Message}", e);
            }
            Files.Add(file);
        }
    }

    /// <summary>Special tokens as strings or AddedToken objects; the first file that names one wins.</summary>
    private void ReadSpecialTexts(JsonNode root)
    {
        foreach (var key in SpecialKeys)
        {
            if (_specialTexts.ContainsKey(key) || root.Optional(key) is not { } value) continue;
            _specialTexts[key] = value.Element.ValueKind == System.Text.Json.JsonValueKind.Object ? value.Required("content").AsString() : value.AsString();
        }
    }

    private void ReadChatTemplates(JsonNode template)
    {
        if (template.Element.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            ChatTemplates[Steering.Chat.ChatTemplate.DefaultName] = template.AsString();
            return;
        }
        foreach (var named in template.Items())
            ChatTemplates[named.Required("name").AsString()] = named.Required("template").AsString();
    }
}
