using System.ComponentModel;
using System.IO;
using System.Text;
using System.Threading;
using Spectre.Console.Cli;
using Steering.Schema;

namespace Steering.Cli.Commands;

/// <summary><c>steer schema MODEL_DIR [--out FILE] [--name NAME]</c>: the hook-point schema, from config.json alone.</summary>
internal sealed class SchemaCommand(Terminal terminal) : Command<SchemaCommand.Settings>
{
    internal sealed class Settings : SteerSettings
    {
        [CommandArgument(0, "<MODEL_DIR>")]
        [Description("A model folder; only its config.json is read.")]
        public string ModelDir { get; set; } = "";

        [CommandOption("-o|--out <FILE>")]
        [Description("The file to write (stdout when not given).")]
        public string? Out { get; set; }

        [CommandOption("--name <NAME>")]
        [Description("The model's name in the schema (the folder's name by default).")]
        public string? Name { get; set; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Out is not null) OutputFile.Check(settings.Out);
        var json = ModelSchemaWriter.Write(HookedTransformer.ReadSchema(settings.ModelDir, settings.Name));
        if (settings.Out is null)
        {
            terminal.Out.Write(json);
            return 0;
        }
        File.WriteAllText(settings.Out, json, new UTF8Encoding(false));
        terminal.Error.WriteLine($"wrote {settings.Out}");
        return 0;
    }
}
