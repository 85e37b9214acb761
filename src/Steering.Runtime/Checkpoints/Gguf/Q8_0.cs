using System;
using System.Buffers.Binary;

namespace Steering.Checkpoints.Gguf;

/// <summary>
/// ggml's Q8_0 blocks: 32 values as one float16 scale d and 32 signed bytes q, value = d·q. Quantized as ggml's
/// <c>quantize_row_q8_0_ref</c> (and gguf-py) do: d = max|x| / 127 in float32, q = round-half-away(x · (1/d)),
/// d stored rounded to float16.
/// </summary>
internal static class Q8_0
{
    public const int BlockSize = 32;
    public const int BlockBytes = 2 + BlockSize;

    /// <summary>Quantizes <paramref name="values"/> (a whole number of blocks) into <paramref name="blocks"/>.</summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        for (int block = 0, count = values.Length / BlockSize; block < count; block++)
        {
            var x = values.Slice(block * BlockSize, BlockSize);
            var output = blocks.Slice(block * BlockBytes, BlockBytes);
            var amax = 0f;
            foreach (var v in x) amax = MathF.Max(amax, MathF.Abs(v));
            var d = amax / 127f;
            var id = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
            for (var j = 0; j < BlockSize; j++)
                output[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Expands <paramref name="blocks"/> into <paramref name="values"/> (32 per block).</summary>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        for (int block = 0, count = values.Length / BlockSize; block < count; block++)
        {
            var input = blocks.Slice(block * BlockBytes, BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(input);
            var output = values.Slice(block * BlockSize, BlockSize);
            for (var j = 0; j < BlockSize; j++) output[j] = d * (sbyte)input[2 + j];
        }
    }
}
