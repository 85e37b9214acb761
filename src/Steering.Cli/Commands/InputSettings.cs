using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using Spectre.Console.Cli;
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

    /// <summary>The prompts as token ids, with the text to show for each (the ids themselves for a model without a tokenizer).</summary>
    /// <exception cref="SteeringException">No prompt, ids that do not parse, or text for a model without a tokenizer.</exception>
    public IReadOnlyList<(IReadOnlyList<int> Ids, string Text)> Tokenize(HookedTransformer model)
    {
        if ((Prompts ?? []).Length > 0)
            return Prompts!.Select(p => ((IReadOnlyList<int>)model.Tokenizer.Encode(p), p)).ToList();
        return (Ids ?? []).Select(TokenIdList.Parse)
            .Select(ids => ((IReadOnlyList<int>)ids, model.HasTokenizer ? model.Tokenizer.Decode(ids) : TokenIdList.Format(ids))).ToList();
    }

    /// <summary>Installs the edits in <paramref name="scope"/>.</summary>
    public void ApplyEdits(HookedTransformer model, HookScope scope, Terminal terminal)
    {
        foreach (var edit in Edits()) edit.ApplyTo(scope, model, terminal);
    }

    public override Spectre.Console.ValidationResult Validate()
    {
        var prompts = (Prompts ?? []).Length;
        var ids = (Ids ?? []).Length;
        if (prompts == 0 && ids == 0)
            return Spectre.Console.ValidationResult.Error("give a prompt: --prompt \"TEXT\" or --ids 1,2,3 (each repeatable for a batch)");
        if (prompts > 0 && ids > 0)
            return Spectre.Console.ValidationResult.Error("give prompts as --prompt or as --ids, not both");
        foreach (var text in Ids ?? []) TokenIdList.Parse(text);
        Edits();
        return base.Validate();
    }
}
