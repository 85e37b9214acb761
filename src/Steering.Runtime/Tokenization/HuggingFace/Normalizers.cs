using System.Linq;
using Steering.Tokenization.Unicode;

namespace Steering.Tokenization.HuggingFace;

/// <summary>A tokenizer.json <c>normalizer</c>: rewrites each stretch of text between added tokens before pre-tokenization.</summary>
internal interface ITextNormalizer
{
    string Normalize(string text);
}

/// <summary>Reads the <c>normalizer</c> kinds the supported tokenizers use.</summary>
internal static class Normalizers
{
    /// <summary>The normalizer <paramref name="node"/> describes.</summary>
    /// <exception cref="Steering.Checkpoints.CheckpointException">An unsupported type, named with the file.</exception>
    public static ITextNormalizer Read(JsonNode node) => node.Type switch
    {
        "Sequence" => new SequenceNormalizer(node.Required("normalizers").Items().Select(Read).ToArray()),
        "NFC" => new NfcNormalizer(),
        "NFD" => new NfdNormalizer(),
        "Lowercase" => new LowercaseNormalizer(),
        "Prepend" => new PrependNormalizer(node.Required("prepend").AsString()),
        "Replace" => new ReplaceNormalizer(StringPattern.Read(node.Required("pattern")), node.Required("content").AsString()),
        "Strip" => new StripNormalizer(node.Bool("strip_left", true), node.Bool("strip_right", true)),
        var type => throw node.Error($"normalizer type \"{type}\" is not supported (supported: Sequence, NFC, NFD, Lowercase, Prepend, Replace, Strip)"),
    };

    /// <summary>Legacy Llama's normalizer: a leading replacement character (the dummy prefix), and spaces replaced by it.</summary>
    public static ITextNormalizer SentencePieceLegacy(string space, bool prependSpace)
    {
        var replace = new ReplaceNormalizer(StringPattern.Literal(" "), space);
        return prependSpace ? new SequenceNormalizer([new PrependNormalizer(space), replace]) : replace;
    }

    private sealed class SequenceNormalizer(ITextNormalizer[] normalizers) : ITextNormalizer
    {
        public string Normalize(string text) => normalizers.Aggregate(text, (current, normalizer) => normalizer.Normalize(current));
    }

    private sealed class NfcNormalizer : ITextNormalizer
    {
        public string Normalize(string text) => CanonicalNormalization.Nfc(text);
    }

    private sealed class NfdNormalizer : ITextNormalizer
    {
        public string Normalize(string text) => CanonicalNormalization.Nfd(text);
    }

    private sealed class LowercaseNormalizer : ITextNormalizer
    {
        public string Normalize(string text) => text.ToLowerInvariant();
    }

    /// <summary>Prepends to non-empty text (Hugging Face leaves empty text alone).</summary>
    private sealed class PrependNormalizer(string prefix) : ITextNormalizer
    {
        public string Normalize(string text) => text.Length == 0 ? text : prefix + text;
    }

    private sealed class ReplaceNormalizer(StringPattern pattern, string content) : ITextNormalizer
    {
        public string Normalize(string text) => pattern.Replace(text, content);
    }

    private sealed class StripNormalizer(bool left, bool right) : ITextNormalizer
    {
        public string Normalize(string text) => (left, right) switch
        {
            (true, true) => text.Trim(),
            (true, false) => text.TrimStart(),
            (false, true) => text.TrimEnd(),
            _ => text,
        };
    }
}
