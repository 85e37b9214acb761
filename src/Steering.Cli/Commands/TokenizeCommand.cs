using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Chat;
using Steering.Tokenization;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer tokenize DIR --prompt TEXT | --chat MESSAGES.json</c>: the ids a tokenizer folder gives, as Hugging Face's
/// <c>tokenizer(text)</c> or <c>apply_chat_template(messages, tokenize=True)</c>, on one line of stdout.
/// </summary>
internal sealed class TokenizeCommand(Terminal terminal) : Command<TokenizeCommand.Settings>
{
    internal sealed class Settings : SteerSettings
    {
        [CommandArgument(0, "<DIR>")]
        [Description("A model folder, or a folder holding only tokenizer files (tokenizer.json, tokenizer_config.json, ...).")]
        public string Dir { get; set; } = "";

        [CommandOption("-p|--prompt <TEXT>")]
        [Description("The text to tokenize, with the special tokens the files add (BOS for Llama and Gemma).")]
        public string? Prompt { get; set; }

        [CommandOption("--chat <MESSAGES_JSON>")]
        [Description("A JSON list of {\"role\", \"content\"} messages, rendered with the folder's chat template.")]
        public string? Chat { get; set; }

        [CommandOption("--no-generation-prompt")]
        [Description("With --chat: leave out the header that starts the assistant's reply.")]
        public bool NoGenerationPrompt { get; set; }

        [CommandOption("--template <NAME>")]
        [Description("With --chat: the chat template to use when the folder has several (the default one otherwise).")]
        public string? Template { get; set; }

        [CommandOption("--show")]
        [Description("Also print the text that was tokenized (the rendered chat) and each token.")]
        public bool Show { get; set; }

        public override ValidationResult Validate()
        {
            if ((Prompt is null) == (Chat is null))
                return ValidationResult.Error("give the text to tokenize: --prompt \"TEXT\" or --chat MESSAGES.json (one of them)");
            if (Chat is null && (NoGenerationPrompt || Template is not null))
                return ValidationResult.Error("--no-generation-prompt and --template go with --chat");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var tokenizer = terminal.Status($"Loading the tokenizer of {settings.Dir}", () => TextTokenizer.Load(settings.Dir));
        // A chat is rendered, then encoded without added special tokens: the template writes them (apply_chat_template).
        var (text, addSpecialTokens) = settings.Chat is { } chat
            ? (tokenizer.ApplyChatTemplate(ChatMessagesFile.Read(chat), !settings.NoGenerationPrompt, settings.Template), false)
            : (settings.Prompt!, true);
        var tokens = tokenizer.EncodeToTokens(text, addSpecialTokens);
        terminal.Line(TokenIdList.Format(System.Linq.Enumerable.Select(tokens, t => t.Id)));
        if (!settings.Show) return 0;
        terminal.Line("text: " + Quoted(text));
        terminal.Line($"tokens: {tokens.Count.ToString(CultureInfo.InvariantCulture)}");
        foreach (var token in tokens)
            terminal.Line($"  {token.Id.ToString(CultureInfo.InvariantCulture),8}  {Quoted(token.Value)}");
        return 0;
    }

    /// <summary>A JSON string, so line breaks, spaces and control characters in the text stay visible on one line.</summary>
    private static string Quoted(string text) => JsonSerializer.Serialize(text, QuotedText);

    private static readonly JsonSerializerOptions QuotedText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
