using System;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Export;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer fold MODEL_DIR --add HOOK=V[*C] ... --out DIR</c>: a Hugging Face model folder whose weights carry the
/// additions, so that any engine (transformers, vLLM, this library) runs the steered model with no hooks.
/// </summary>
internal sealed class FoldCommand(Terminal terminal) : Command<FoldCommand.Settings>
{
    internal sealed class Settings : ModelSettings
    {
        [CommandOption("--add <SPEC>")]
        [Description("HOOK=VECTOR[[*COEFF]]: fold COEFF (default 1) x the vector at HOOK into the weights; repeatable. VECTOR is a .safetensors vector or a llama.cpp control vector (.gguf; all=F.gguf for every direction).")]
        public string[] Add { get; set; } = [];

        [CommandOption("-o|--out <DIR>")]
        [Description("The model folder to write; it must not exist yet (or be empty).")]
        public string Out { get; set; } = "";

        public override ValidationResult Validate()
        {
            if ((Add ?? []).Length == 0) return ValidationResult.Error("give at least one --add HOOK=VECTOR[*COEFF] to fold");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required");
            foreach (var spec in Add!) VectorEditSpec.Parse(VectorEditKind.Add, spec);
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var output = Path.GetFullPath(settings.Out);
        if (Path.TrimEndingDirectorySeparator(output) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.ModelDir)))
            throw new SteeringException($"--out {settings.Out} is the model folder itself; folding writes a new folder");
        if (File.Exists(output) || (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any()))
            throw new SteeringException($"--out {settings.Out} already exists and is not empty; give a new folder");
        OutputFile.Check(output);

        using var loaded = settings.LoadModel(settings.ModelDir, terminal);
        using var additions = LoadedAdditions.Load(settings.Add, loaded.Schema, terminal);
        using var model = WeightFolding.Folded(loaded, additions.Items);

        // Written beside the target and moved into place whole: a failure leaves no half-written model folder.
        var temporary = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        try
        {
            terminal.Status($"Writing {settings.Out}", () => { model.Save(temporary); return 0; });
            if (Directory.Exists(output)) Directory.Delete(output);
            Directory.Move(temporary, output);
        }
        catch
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            throw;
        }
        foreach (var addition in additions.Items)
            terminal.Line($"folded: {addition.HookName} x {addition.Coefficient.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}");
        terminal.Line($"wrote: {settings.Out}");
        return 0;
    }
}
