using static TorchSharp.torch;

namespace Steering.Cli;

/// <summary>The compute dtypes the command line accepts, by name.</summary>
internal static class DTypeNames
{
    /// <summary>The accepted names, for help and errors.</summary>
    public const string Choices = "float32, float16 or bfloat16";

    /// <summary>The dtype named <paramref name="name"/> (float32/fp32, float16/fp16/half, bfloat16/bf16).</summary>
    /// <exception cref="SteeringException">Not one of those.</exception>
    public static ScalarType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" or "float" => ScalarType.Float32,
        "float16" or "fp16" or "f16" or "half" => ScalarType.Float16,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new SteeringException($"dtype '{name}' is not known; use {Choices}"),
    };

    /// <summary>The name <see cref="Parse"/> reads back.</summary>
    public static string Format(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => dtype.ToString().ToLowerInvariant(),
    };
}
