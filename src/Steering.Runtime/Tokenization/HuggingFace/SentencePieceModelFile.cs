using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Steering.Checkpoints;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// A SentencePiece BPE <c>tokenizer.model</c> converted into the tokenizer.json pipeline the way transformers'
/// LlamaConverter converts it when a folder has no tokenizer.json: the pieces are the vocabulary, merges are every
/// split of a piece into two pieces ordered by the piece's score, byte fallback, and the legacy normalizer (or the
/// Metaspace pre-tokenizer when tokenizer_config.json says <c>"legacy": false</c>).
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' LlamaTokenizer reads these files too, but breaks ties between equal-scored merges from the
/// right ("qqqqqqqq" → q qq qq qq where SentencePiece and Hugging Face give qq qq qq q…), and adds no dummy prefix after
/// special tokens in legacy mode, so it does not reproduce transformers' ids.
/// </remarks>
internal static class SentencePieceModelFile
{
    private const int BpeModelType = 2;

    private sealed record Piece(string Text, float Score, int Type);

    /// <summary>Reads and converts <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">Not a SentencePiece model, or not a BPE one, or a normalization rule the conversion lacks.</exception>
    public static TokenizerPipeline Read(string path, TokenizerConfig config)
    {
        var pieces = new List<Piece>();
        int modelType = 1;
        var byteFallback = false;
        var unknown = "<unk>";
        var addDummyPrefix = true;
        string? rules = null;
        try
        {
            using var stream = File.OpenRead(path);
            var input = new CodedInputStream(stream);
            for (uint tag; (tag = input.ReadTag()) != 0;)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: pieces.Add(ReadPiece(input.ReadBytes())); break;
                    case 2: ReadFields(input.ReadBytes(), (field, value) =>
                    {
                        if (field == 3) modelType = value.ReadInt32();
                        else if (field == 35) byteFallback = value.ReadBool();
                        else if (field == 45) unknown = value.ReadString();
                        else value.SkipLastField();
                    }); break;
                    case 3: ReadFields(input.ReadBytes(), (field, value) =>
                    {
                        if (field == 1) rules = value.ReadString();
                        else if (field == 3) addDummyPrefix = value.ReadBool();
                        else value.SkipLastField();
                    }); break;
                    default: input.SkipLastField(); break;
                }
            }
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"not a SentencePiece model: {e.Message}", e);
        }
        if (pieces.Count == 0) throw new CheckpointException(path, "not a SentencePiece model: it has no pieces");
        if (modelType != BpeModelType)
            throw new CheckpointException(path, $"a SentencePiece {(modelType == 1 ? "Unigram" : $"type {modelType}")} model; only BPE models are supported");
        if (rules is not null and not "identity")
            throw new CheckpointException(path, $"normalization rule \"{rules}\" is not supported (only identity)");

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < pieces.Count; id++) vocabulary.TryAdd(pieces[id].Text, id);
        Exception Error(string problem) => new CheckpointException(path, problem);
        var model = BytePairModel.FromMerges(vocabulary, Merges(pieces, vocabulary).Select(m => (m.Left, m.Right, (Func<string, Exception>)Error)),
            vocabulary.ContainsKey(unknown) ? unknown : null, byteFallback, fuseUnknown: true);

        // SentencePiece's control and unknown pieces are the special tokens; tokenizer_config.json may add more.
        var added = pieces.Select((piece, id) => (piece, id)).Where(p => p.piece.Type is 2 or 3)
            .Select(p => new AddedToken(p.id, p.piece.Text, Special: true))
            .Concat(config.AddedTokens).DistinctBy(t => t.Id).ToList();

        const string Space = "\u2581";
        var legacy = config.Legacy ?? true;
        var normalizer = legacy ? Normalizers.SentencePieceLegacy(Space, addDummyPrefix) : null;
        var preTokenizer = legacy ? null : PreTokenizers.Metaspace(Space, addDummyPrefix ? PrependScheme.First : PrependScheme.Never);
        var decoder = Decoders.SentencePiece(Space, stripLeadingSpace: addDummyPrefix);
        return new TokenizerPipeline("SentencePiece BPE (tokenizer.model)", new AddedVocabulary(added, normalizer), preTokenizer, model,
            SpecialTokenTemplate.None, decoder);
    }

    /// <summary>
    /// transformers' SentencePieceExtractor: for each piece (in id order) every split into two pieces, ordered by the
    /// parts' ids; then all of them by the piece's score, highest first (a stable sort).
    /// </summary>
    private static IEnumerable<(string Left, string Right)> Merges(List<Piece> pieces, Dictionary<string, int> vocabulary)
    {
        var merges = new List<(string Left, string Right, float Score)>();
        foreach (var piece in pieces)
        {
            var text = piece.Text;
            var local = new List<(string, string, float)>();
            for (var split = 1; split < text.Length; split++)
            {
                if (char.IsLowSurrogate(text[split])) continue;
                string left = text[..split], right = text[split..];
                if (vocabulary.ContainsKey(left) && vocabulary.ContainsKey(right)) local.Add((left, right, piece.Score));
            }
            merges.AddRange(local.OrderBy(m => vocabulary[m.Item1]).ThenBy(m => vocabulary[m.Item2]));
        }
        return merges.OrderByDescending(m => m.Score).Select(m => (m.Left, m.Right));
    }

    private static Piece ReadPiece(ByteString bytes)
    {
        string text = "";
        float score = 0;
        var type = 1;
        ReadFields(bytes, (field, value) =>
        {
            if (field == 1) text = value.ReadString();
            else if (field == 2) score = value.ReadFloat();
            else if (field == 3) type = value.ReadInt32();
            else value.SkipLastField();
        });
        return new Piece(text, score, type);
    }

    private static void ReadFields(ByteString bytes, Action<int, CodedInputStream> read)
    {
        var input = bytes.CreateCodedInput();
        for (uint tag; (tag = input.ReadTag()) != 0;) read(WireFormat.GetTagFieldNumber(tag), input);
    }
}
