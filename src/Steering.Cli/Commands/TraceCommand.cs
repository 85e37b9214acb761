using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Checkpoints;
using Steering.Generation;
using static TorchSharp.torch;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer trace MODEL_DIR --prompt TEXT --hooks NAMES --out FILE</c>: one forward pass; the activations at the hook
/// points (named canonically), the logits and the inputs (input_ids, attention_mask), saved as safetensors.
/// </summary>
internal sealed class TraceCommand(Terminal terminal) : Command<TraceCommand.Settings>
{
    /// <summary>The tensor name of the logits in the output file.</summary>
    public const string LogitsName = "logits";

    /// <summary>The tensor name of the (left-padded) input ids, [batch, pos] int64.</summary>
    public const string InputIdsName = "input_ids";

    /// <summary>The tensor name of the attention mask, [batch, pos] int64: 1 at tokens, 0 at left padding.</summary>
    public const string AttentionMaskName = "attention_mask";

    internal sealed class Settings : InputSettings
    {
        [CommandOption("--hooks <NAMES>")]
        [Description("Comma-separated hook names (aliases accepted), or all.")]
        public string Hooks { get; set; } = "";

        [CommandOption("-o|--out <FILE>")]
        [Description("The safetensors file to write.")]
        public string Out { get; set; } = "";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Hooks)) return ValidationResult.Error("--hooks NAME[,NAME...] (or all) is required");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE.safetensors is required");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputFile.Check(settings.Out);
        using var model = settings.LoadModel(settings.ModelDir, terminal);
        var names = HookNamesIn(model, settings.Hooks);
        var prompts = settings.Tokenize(model);
        using var scope = model.Hooks.CreateScope();
        settings.ApplyEdits(model, scope, terminal); // before the cache, so the cache records the edited activations
        using var cache = scope.Cache(names.ToArray());
        using var tensors = NewDisposeScope();
        var (ids, mask) = TokenBatch.LeftPad(prompts.Select(p => p.Ids).ToList(), model.SpecialTokens.PaddingId, model.Device);
        var logits = terminal.Status("Running the model", () =>
        {
            using var noGrad = no_grad();
            return model.Forward(ids, mask);
        });

        // The inputs go with the activations, so a padded batch's file says which positions are padding.
        var output = names.Select(name => new KeyValuePair<string, Tensor>(name, cache[name]))
            .Append(new KeyValuePair<string, Tensor>(LogitsName, logits))
            .Append(new KeyValuePair<string, Tensor>(InputIdsName, ids))
            .Append(new KeyValuePair<string, Tensor>(AttentionMaskName, mask)).ToList();
        SafetensorsWriter.Write(settings.Out, output);
        foreach (var (name, tensor) in output)
            terminal.Line($"{name} [{string.Join(", ", tensor.shape)}] {DTypeNames.Format(tensor.dtype)}");
        terminal.Line($"wrote: {settings.Out}");
        return 0;
    }

    /// <summary>The canonical names of <paramref name="list"/> (comma-separated, or <c>all</c>), in the model's order, once each.</summary>
    private static List<string> HookNamesIn(HookedTransformer model, string list)
    {
        var written = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (written.Length == 0) throw new SteeringException($"--hooks '{list}' names no hook point");
        if (written.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase)))
            return model.Hooks.Select(p => p.Name).ToList();
        var wanted = written.Select(n => model.Hooks[n].Name).ToHashSet(StringComparer.Ordinal);
        return model.Hooks.Select(p => p.Name).Where(wanted.Contains).ToList();
    }
}
