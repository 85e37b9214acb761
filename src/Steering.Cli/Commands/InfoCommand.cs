using System.Globalization;
using System.Linq;
using System.Threading;
using Spectre.Console.Cli;

namespace Steering.Cli.Commands;

/// <summary><c>steer info MODEL_DIR</c>: what a model is and where its hook points are.</summary>
internal sealed class InfoCommand(Terminal terminal) : Command<ModelSettings>
{
    public override int Execute(CommandContext context, ModelSettings settings, CancellationToken cancellationToken)
    {
        using var model = settings.LoadModel(settings.ModelDir, terminal, warn: false);
        var d = model.Dimensions;
        void Field(string key, object value) => terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{key}: {value}"));
        Field("model", model.Schema.Name);
        Field("architecture", model.Schema.Architecture);
        Field("d_model", d.DModel);
        Field("n_layers", d.NLayers);
        Field("n_heads", d.NHeads);
        if (d.NKvHeads != d.NHeads) Field("n_kv_heads", d.NKvHeads);
        Field("d_head", d.DHead);
        Field("d_mlp", d.DMlp);
        Field("d_vocab", d.DVocab);
        Field("n_ctx", d.NCtx);
        Field("dtype", DTypeNames.Format(model.DType));
        Field("device", model.Device);
        Field("parameters", model.ParameterCount);
        Field("tokenizer", model.HasTokenizer ? model.Tokenizer.Kind : "none");
        if (model.HasTokenizer)
            Field("chat_templates", model.Tokenizer.ChatTemplates.Count == 0 ? "none" : string.Join(", ", model.Tokenizer.ChatTemplates.Keys));
        Field("special_tokens", model.SpecialTokens);
        Field("load_warnings", model.LoadWarnings.Count);
        foreach (var warning in model.LoadWarnings) terminal.Line("  " + Terminal.OneLine(warning));
        Field("hook_points", model.Hooks.Count);
        var width = model.Hooks.Max(p => p.Name.Length);
        var dimsWidth = model.Hooks.Max(p => p.Info.DimsText.Length);
        foreach (var point in model.Hooks)
        {
            var sizes = string.Join(", ", point.Shape.Select(s => s?.ToString(CultureInfo.InvariantCulture) ?? "*"));
            terminal.Line($"  {point.Name.PadRight(width)}  {point.Info.DimsText.PadRight(dimsWidth)}  [{sizes}]");
        }
        return 0;
    }
}
