using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer.json <c>decoder</c> step (Hugging Face's decode_chain): token strings in, token strings out; the
/// decoded text is the last step's output concatenated.
/// </summary>
internal interface ITokenDecoder
{
    List<string> Decode(List<string> tokens);
}

/// <summary>Reads the <c>decoder</c> kinds the supported tokenizers use.</summary>
internal static class Decoders
{
    /// <summary>The decoder <paramref name="node"/> describes.</summary>
    /// <exception cref="Steering.Checkpoints.CheckpointException">An unsupported type, named with the file.</exception>
    public static ITokenDecoder Read(JsonNode node) => node.Type switch
    {
        "Sequence" => new SequenceDecoder(node.Required("decoders").Items().Select(Read).ToArray()),
        "ByteLevel" => ByteLevel,
        "Metaspace" => new MetaspaceDecoder(Metaspace.Read(node)),
        "Replace" => new ReplaceDecoder(StringPattern.Read(node.Required("pattern")), node.Required("content").AsString()),
        "ByteFallback" => new ByteFallbackDecoder(),
        "Fuse" => new FuseDecoder(),
        "Strip" => new StripDecoder(StripCharacter(node.Required("content")), node.Int("start", 0), node.Int("stop", 0)),
        var type => throw node.Error($"decoder type \"{type}\" is not supported (supported: Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip)"),
    };

    /// <summary>Byte-level BPE's decoder: the tokens' alphabet characters back to bytes, read as UTF-8.</summary>
    public static ITokenDecoder ByteLevel { get; } = new ByteLevelDecoder();

    /// <summary>SentencePiece BPE's decoder: replacement characters back to spaces, byte tokens to text, one leading space stripped.</summary>
    public static ITokenDecoder SentencePiece(string space, bool stripLeadingSpace) => new SequenceDecoder(
    [
        new ReplaceDecoder(StringPattern.Literal(space), " "), new ByteFallbackDecoder(), new FuseDecoder(),
        new StripDecoder(" ", stripLeadingSpace ? 1 : 0, 0),
    ]);

    private static string StripCharacter(JsonNode node)
    {
        var text = node.AsString();
        return text.EnumerateRunes().Count() == 1 ? text : throw node.Error("Strip's content is one character");
    }

    private sealed class SequenceDecoder(ITokenDecoder[] steps) : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens) => steps.Aggregate(tokens, (current, step) => step.Decode(current));
    }

    /// <summary>
    /// All tokens' bytes, then lossy UTF-8 (each invalid sequence one U+FFFD). A token with a character outside the
    /// alphabet (an added token such as a CJK word) contributes its own UTF-8 bytes.
    /// </summary>
    private sealed class ByteLevelDecoder : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens)
        {
            var bytes = new List<byte>();
            foreach (var token in tokens)
            {
                if (token.All(c => ByteLevelAlphabet.Byte(c) >= 0)) bytes.AddRange(token.Select(c => (byte)ByteLevelAlphabet.Byte(c)));
                else bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
            return [Encoding.UTF8.GetString(bytes.ToArray())];
        }
    }

    /// <summary>The replacement character becomes a space, except in the first token when a prefix was prepended.</summary>
    private sealed class MetaspaceDecoder(Metaspace metaspace) : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens) =>
            tokens.Select((token, i) => token.Replace(metaspace.Replacement, i == 0 && metaspace.Scheme != PrependScheme.Never ? "" : " ", StringComparison.Ordinal)).ToList();
    }

    private sealed class ReplaceDecoder(StringPattern pattern, string content) : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens) => tokens.Select(token => pattern.Replace(token, content)).ToList();
    }

    /// <summary>
    /// Runs of <c>&lt;0xXX&gt;</c> tokens become the text their bytes spell; an invalid run becomes one U+FFFD per byte.
    /// </summary>
    private sealed class ByteFallbackDecoder : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens)
        {
            var decoded = new List<string>(tokens.Count);
            var pending = new List<byte>();
            void Flush()
            {
                if (pending.Count == 0) return;
                try
                {
                    decoded.Add(StrictUtf8.GetString(pending.ToArray()));
                }
                catch (DecoderFallbackException)
                {
                    decoded.AddRange(Enumerable.Repeat("\uFFFD", pending.Count));
                }
                pending.Clear();
            }
            foreach (var token in tokens)
            {
                if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                    && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    pending.Add(b);
                    continue;
                }
                Flush();
                decoded.Add(token);
            }
            Flush();
            return decoded;
        }

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    }

    private sealed class FuseDecoder : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens) => [string.Concat(tokens)];
    }

    /// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing copies of a character from each token.</summary>
    private sealed class StripDecoder(string content, int start, int stop) : ITokenDecoder
    {
        public List<string> Decode(List<string> tokens) => tokens.Select(Strip).ToList();

        private string Strip(string token)
        {
            var from = 0;
            for (var n = 0; n < start && token.AsSpan(from).StartsWith(content, StringComparison.Ordinal); n++) from += content.Length;
            var to = token.Length;
            for (var n = 0; n < stop && to - content.Length >= from && token.AsSpan(from, to - from).EndsWith(content, StringComparison.Ordinal); n++) to -= content.Length;
            return token[from..to];
        }
    }
}
