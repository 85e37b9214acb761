using System;
using System.ComponentModel;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Checkpoints.Gguf;
using Steering.Export;
using Steering.Vectors;

namespace Steering.Cli.Commands;

/// <summary>
/// <c>steer export MODEL_DIR --format gguf|control-vector --out F.gguf [--dtype f32|f16|bf16|q8_0] [--add HOOK=V[*C] ...]</c>:
/// a GGUF model for llama.cpp (additions folded into its weights), or a llama.cpp control vector of the additions.
/// </summary>
internal sealed class ExportCommand(Terminal terminal) : Command<ExportCommand.Settings>
{
    private const string GgufFormat = "gguf";
    private const string ControlVectorFormat = "control-vector";

    internal sealed class Settings : SteerSettings
    {
        [CommandArgument(0, "<MODEL_DIR>")]
        [Description("A Hugging Face model folder: config.json, safetensors weights, tokenizer files.")]
        public string ModelDir { get; set; } = "";

        [CommandOption("--format <FORMAT>")]
        [Description("gguf (a model llama.cpp, Ollama and LM Studio load) or control-vector (llama-server --control-vector).")]
        [DefaultValue(GgufFormat)]
        public string Format { get; set; } = GgufFormat;

        [CommandOption("--dtype <TYPE>")]
        [Description("The GGUF tensor type of the matrices: f32, f16, bf16 or q8_0 (norms, biases and position embeddings stay f32).")]
        [DefaultValue("f32")]
        public string DType { get; set; } = "f32";

        [CommandOption("--add <SPEC>")]
        [Description("HOOK=VECTOR[[*COEFF]]: COEFF (default 1) x the vector at HOOK, folded into the model or written as a control-vector direction; repeatable.")]
        public string[] Add { get; set; } = [];

        [CommandOption("-o|--out <FILE>")]
        [Description("The .gguf file to write.")]
        public string Out { get; set; } = "";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE.gguf is required");
            if (Format is not (GgufFormat or ControlVectorFormat))
                return ValidationResult.Error($"--format {Format} is not known; use {GgufFormat} or {ControlVectorFormat}");
            if (Format == ControlVectorFormat && (Add ?? []).Length == 0)
                return ValidationResult.Error("a control vector needs at least one --add HOOK=VECTOR[*COEFF]");
            if (Format == ControlVectorFormat && !DType.Equals("f32", StringComparison.OrdinalIgnoreCase))
                return ValidationResult.Error("llama.cpp reads control vectors only as f32; drop --dtype");
            ParseType(DType);
            foreach (var spec in Add ?? []) VectorEditSpec.Parse(VectorEditKind.Add, spec);
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputFile.Check(settings.Out);
        if (settings.Format == ControlVectorFormat)
        {
            // A control vector needs the model's sizes only, not its weights.
            var schema = HookedTransformer.ReadSchema(settings.ModelDir);
            using var additions = LoadedAdditions.Load(settings.Add, schema, terminal);
            using var vector = ControlVector.FromAdditions(additions.Items, schema.Dimensions, schema.Architecture);
            vector.Write(settings.Out);
            foreach (var layer in vector.Directions.Keys) terminal.Line($"direction.{layer}: {ControlVector.HookOf(layer)}");
        }
        else
        {
            var type = ParseType(settings.DType);
            using var loaded = terminal.Status($"Loading {settings.ModelDir}", () => HookedTransformer.Load(settings.ModelDir));
            using var additions = LoadedAdditions.Load(settings.Add, loaded.Schema, terminal);
            using var model = WeightFolding.Folded(loaded, additions.Items);
            terminal.Status($"Writing {settings.Out}", () => { GgufModelExport.Write(model, settings.Out, type); return 0; });
            terminal.Line($"format: GGUF {type} ({model.Layout.ModelType}, {settings.Add.Length} addition(s) folded)");
        }
        terminal.Line($"wrote: {settings.Out}");
        return 0;
    }

    private static GgmlType ParseType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "f32" or "float32" => GgmlType.F32,
        "f16" or "float16" => GgmlType.F16,
        "bf16" or "bfloat16" => GgmlType.BF16,
        "q8_0" => GgmlType.Q8_0,
        _ => throw new SteeringException($"--dtype {name} is not a GGUF type this export writes; use f32, f16, bf16 or q8_0"),
    };
}
