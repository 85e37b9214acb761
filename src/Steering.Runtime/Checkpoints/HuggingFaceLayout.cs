using System.Globalization;
using System.Text.RegularExpressions;

namespace Steering.Checkpoints;

/// <summary>The file names Hugging Face <c>save_pretrained</c> gives a model's safetensors weights.</summary>
internal static partial class HuggingFaceLayout
{
    public const string SingleFile = "model.safetensors";

    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>PyTorch pickles: recognised only to say they are not supported.</summary>
    public static readonly string[] PickleFiles = ["pytorch_model.bin", "pytorch_model.bin.index.json"];

    /// <summary>Shard <paramref name="number"/> (from 1) of <paramref name="count"/>: <c>model-00001-of-00003.safetensors</c>.</summary>
    public static string ShardFile(int number, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"model-{number:D5}-of-{count:D5}.safetensors");

    /// <summary>Whether <paramref name="fileName"/> looks like a shard that an earlier save may have left.</summary>
    public static bool IsShardFile(string fileName) => ShardPattern().IsMatch(fileName);

    [GeneratedRegex(@"^model-\d{5,}-of-\d{5,}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardPattern();
}
