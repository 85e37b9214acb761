using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Generation;

namespace Steering.Cli.Commands;

/// <summary><c>steer generate MODEL_DIR --prompt TEXT …</c>: continue prompts, optionally steered.</summary>
internal sealed class GenerateCommand(Terminal terminal) : Command<GenerateCommand.Settings>
{
    internal sealed class Settings : InputSettings
    {
        [CommandOption("-n|--max-new-tokens <N>")]
        [Description("The most tokens to add to each prompt.")]
        [DefaultValue(20)]
        public int MaxNewTokens { get; set; } = 20;

        [CommandOption("--greedy")]
        [Description("Always take the most likely token (the default).")]
        public bool Greedy { get; set; }

        [CommandOption("--temperature <T>")]
        [Description("Sample, dividing the logits by T.")]
        public double? Temperature { get; set; }

        [CommandOption("--top-p <P>")]
        [Description("Sample from the fewest most likely tokens whose probability reaches P.")]
        public double? TopP { get; set; }

        [CommandOption("--top-k <K>")]
        [Description("Sample from the K most likely tokens.")]
        public int? TopK { get; set; }

        [CommandOption("--seed <S>")]
        [Description("Sample with this seed (the same seed gives the same text).")]
        public long? Seed { get; set; }

        [CommandOption("--print-ids")]
        [Description("Also print each sequence's generated token ids.")]
        public bool PrintIds { get; set; }

        /// <summary>True when any sampling option was given.</summary>
        public bool Samples => Temperature is not null || TopP is not null || TopK is not null || Seed is not null;

        public GenerationOptions ToOptions() => new()
        {
            MaxNewTokens = MaxNewTokens,
            Sample = Samples,
            Temperature = Temperature ?? 1.0,
            TopP = TopP,
            TopK = TopK,
            Seed = Seed ?? 0,
        };

        public override ValidationResult Validate()
        {
            if (Greedy && Samples)
                return ValidationResult.Error("--greedy cannot be combined with --temperature, --top-p, --top-k or --seed (any of those turns sampling on)");
            if (MaxNewTokens < 0) return ValidationResult.Error($"--max-new-tokens is {MaxNewTokens}; it cannot be negative");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        var prompts = settings.Tokenize(model);
        using var scope = model.Hooks.CreateScope();
        settings.ApplyEdits(model, scope, terminal);
        var ids = prompts.Select(p => p.Ids).ToList();

        if (terminal.Interactive && prompts.Count == 1)
        {
            var produced = Stream(model, prompts[0].Text, ids, options, cancellationToken);
            if (settings.PrintIds) terminal.Line("ids: " + TokenIdList.Format(produced));
            return 0;
        }

        var results = terminal.Status("Generating", () => Collect(model, ids, options, cancellationToken));
        for (var i = 0; i < prompts.Count; i++)
        {
            if (prompts.Count > 1) terminal.Line($"[{i}]");
            terminal.Line(prompts[i].Text + model.Tokenizer.Decode(results[i]));
            if (settings.PrintIds) terminal.Line("ids: " + TokenIdList.Format(results[i]));
        }
        return 0;
    }

    /// <summary>Every sequence's new tokens (stop tokens not included), stopping early on cancellation.</summary>
    private static List<int>[] Collect(HookedTransformer model, List<IReadOnlyList<int>> prompts, GenerationOptions options, CancellationToken cancel)
    {
        var produced = prompts.Select(_ => new List<int>()).ToArray();
        foreach (var step in model.GenerateSteps(prompts, options))
        {
            for (var row = 0; row < prompts.Count; row++)
                if (step.TokenIds[row] is int token) produced[row].Add(token);
            if (cancel.IsCancellationRequested) break;
        }
        return produced;
    }

    /// <summary>Prints the prompt, then each new piece of text as its token arrives.</summary>
    private List<int> Stream(HookedTransformer model, string prompt, List<IReadOnlyList<int>> prompts, GenerationOptions options, CancellationToken cancel)
    {
        var produced = new List<int>();
        var shown = "";
        terminal.Out.Write(prompt);
        terminal.Out.Flush();
        foreach (var step in model.GenerateSteps(prompts, options))
        {
            if (step.TokenIds[0] is not int token) break;
            produced.Add(token);
            // Decode the whole continuation: one token can end halfway through a multi-byte character.
            var text = model.Tokenizer.Decode(produced);
            if (text.StartsWith(shown, StringComparison.Ordinal) && !text.EndsWith('\uFFFD'))
            {
                terminal.Out.Write(text[shown.Length..]);
                terminal.Out.Flush();
                shown = text;
            }
            if (cancel.IsCancellationRequested) break;
        }
        var final = model.Tokenizer.Decode(produced);
        if (final.StartsWith(shown, StringComparison.Ordinal)) terminal.Out.Write(final[shown.Length..]);
        terminal.Out.WriteLine();
        return produced;
    }
}
