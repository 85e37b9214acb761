using System.ComponentModel;
using Spectre.Console.Cli;

namespace Steering.Cli.Commands;

/// <summary>Options of commands that load a model: where it computes and in which precision.</summary>
internal class LoadSettings : SteerSettings
{
    [CommandOption("--device <DEVICE>")]
    [Description("Where to compute: cpu, cuda or cuda:N.")]
    [DefaultValue("cpu")]
    public string Device { get; set; } = "cpu";

    [CommandOption("--dtype <DTYPE>")]
    [Description("Compute dtype: float32, float16 or bfloat16.")]
    [DefaultValue("float32")]
    public string DType { get; set; } = "float32";

    [CommandOption("--memory-map")]
    [Description("Map the weight files instead of reading them (fast start, shared pages; see ModelLoadOptions.MemoryMap). Only for files nothing rewrites while the model runs.")]
    public bool MemoryMap { get; set; }

    /// <summary>Loads the model in <paramref name="folder"/> with these options, under a spinner when interactive.</summary>
    /// <exception cref="SteeringException">The folder is not a loadable model, or the device or dtype is unknown.</exception>
    public HookedTransformer LoadModel(string folder, Terminal terminal, bool warn = true)
    {
        var options = new ModelLoadOptions { Device = Device, DType = DTypeNames.Parse(DType), MemoryMap = MemoryMap };
        var model = terminal.Status($"Loading {folder}", () => HookedTransformer.Load(folder, options));
        if (warn)
        {
            foreach (var warning in model.LoadWarnings) terminal.Warn(warning);
        }
        return model;
    }
}
