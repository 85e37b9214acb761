using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using Spectre.Console.Cli;
using Steering.Editing;
using Steering.Hooks;

namespace Steering.Cli.Commands;

/// <summary>Options of commands that run the model on prompts, optionally steered: generate and trace.</summary>
internal class InputSettings : ModelSettings
{
    [CommandOption("-p|--prompt <TEXT>")]
    [Description("A prompt; repeat for a batch (left-padded together).")]
    public string[] Prompts { get; set; } = [];

    [CommandOption("--ids <IDS>")]
    [Description("A prompt as token ids, e.g. 464,3290,389; repeat for a batch.")]
    public string[] Ids { get; set; } = [];

    [CommandOption("--chat <MESSAGES_JSON>")]
    [Description("A conversation for an instruct model: a JSON list of {\"role\", \"content\"} messages, rendered with the model's chat template.")]
    public string? Chat { get; set; }

    [CommandOption("--no-generation-prompt")]
    [Description("With --chat: leave out the header that starts the assistant's reply.")]
    public bool NoGenerationPrompt { get; set; }

    [CommandOption("--add <SPEC>")]
    [Description("HOOK=VECTOR.safetensors[[*COEFF]]: add COEFF (default 1) x the vector at every real position; repeatable. VECTOR may be a llama.cpp control vector (.gguf); all=F.gguf applies each of its directions.")]
    public string[] Add { get; set; } = [];

    [CommandOption("--ablate <SPEC>")]
    [Description("HOOK=VECTOR.safetensors: project the vector's direction out at every position; repeatable.")]
    public string[] Ablate { get; set; } = [];

    /// <summary>The <c>--add</c> and <c>--ablate</c> edits, in the order add then ablate.</summary>
    /// <exception cref="SteeringException">A spec is malformed.</exception>
    public IReadOnlyList<VectorEditSpec> Edits() =>
        (Add ?? []).Select(s => VectorEditSpec.Parse(VectorEditKind.Add, s))
            .Concat((Ablate ?? []).Select(s => VectorEditSpec.Parse(VectorEditKind.Ablate, s)))
            .ToList();

    /// <summary>
    /// The prompts as token ids, with the text to show before each continuation: the prompt, the decoded ids (the ids
    /// themselves for a model without a tokenizer), or nothing for a chat (the reply stands alone).
    /// </summary>
    /// <exception cref="SteeringException">
    /// No prompt, ids that do not parse, text for a model without a tokenizer, or a chat the files or the template reject.
    /// </exception>
    public IReadOnlyList<(IReadOnlyList<int> Ids, string Text)> Tokenize(HookedTransformer model)
    {
        if (Chat is not null)
            return [(model.Tokenizer.EncodeChat(Steering.Chat.ChatMessagesFile.Read(Chat), !NoGenerationPrompt), "")];
        if ((Prompts ?? []).Length > 0)
            return Prompts!.Select(p => ((IReadOnlyList<int>)model.Tokenizer.Encode(p), p)).ToList();
        return (Ids ?? []).Select(TokenIdList.Parse)
            .Select(ids => ((IReadOnlyList<int>)ids, model.HasTokenizer ? model.Tokenizer.Decode(ids) : TokenIdList.Format(ids))).ToList();
    }

    /// <summary>Installs the edits in <paramref name="scope"/>, which owns their vectors.</summary>
    public void ApplyEdits(HookedTransformer model, HookScope scope, Terminal terminal)
    {
        var spec = Edits().Aggregate(SteeringSpec.Empty, (all, edit) => edit.AddTo(all, model, scope, terminal));
        scope.Apply(spec);
    }

    public override Spectre.Console.ValidationResult Validate()
    {
        var prompts = (Prompts ?? []).Length;
        var ids = (Ids ?? []).Length;
        var given = (prompts > 0 ? 1 : 0) + (ids > 0 ? 1 : 0) + (Chat is null ? 0 : 1);
        if (given == 0)
            return Spectre.Console.ValidationResult.Error("give a prompt: --prompt \"TEXT\" or --ids 1,2,3 (each repeatable for a batch), or --chat MESSAGES.json");
        if (given > 1)
            return Spectre.Console.ValidationResult.Error("give prompts as --prompt, as --ids or as --chat, not several");
        if (NoGenerationPrompt && Chat is null)
            return Spectre.Console.ValidationResult.Error("--no-generation-prompt goes with --chat");
        foreach (var text in Ids ?? []) TokenIdList.Parse(text);
        Edits();
        return base.Validate();
    }
}
