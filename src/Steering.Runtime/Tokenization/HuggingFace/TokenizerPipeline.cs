using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's tokenizer pipeline over a BPE model: added tokens are found first, the text between them is
/// normalized, pre-tokenized and merged into ids, and the post-processor's template adds the special tokens.
/// Decoding maps ids to tokens (skipping special ones if asked) and runs the decoder.
/// </summary>
internal sealed class TokenizerPipeline(
    string kind,
    AddedVocabulary added,
    IPreTokenizer? preTokenizer,
    BytePairModel model,
    SpecialTokenTemplate template,
    ITokenDecoder? decoder) : ITokenizerCore
{
    /// <inheritdoc/>
    public string Kind => kind;

    /// <summary>The BPE model (GGUF export lists its vocabulary and merges).</summary>
    public BytePairModel Model => model;

    /// <summary>The added tokens (GGUF export marks them as control or user-defined).</summary>
    public AddedVocabulary Added => added;

    /// <summary>The same pipeline with another post-processing template.</summary>
    public TokenizerPipeline WithTemplate(SpecialTokenTemplate replacement) => new(kind, added, preTokenizer, model, replacement, decoder);

    /// <inheritdoc/>
    public IReadOnlyList<Token> Encode(string text, bool addSpecialTokens)
    {
        var tokens = new List<Token>();
        void AddSpecial(int[] ids) => tokens.AddRange(ids.Select(id => new Token(id, TokenOf(id) ?? "")));
        if (addSpecialTokens) AddSpecial(template.Before);
        foreach (var segment in added.Split(WellFormed(text)))
        {
            if (segment.AddedId is { } id)
            {
                // The matched text, with any whitespace lstrip/rstrip took in, as Hugging Face reports it.
                tokens.Add(new Token(id, segment.Text.Text));
                continue;
            }
            var pieces = preTokenizer is null ? [segment.Text] : preTokenizer.Split(segment.Text);
            foreach (var piece in pieces)
                tokens.AddRange(model.Tokenize(piece.Text).Select(id => new Token(id, model.TokenOf(id)!)));
        }
        if (addSpecialTokens) AddSpecial(template.After);
        return tokens;
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (added.ById(id) is { } addedToken)
            {
                if (!(skipSpecialTokens && addedToken.Special)) tokens.Add(addedToken.Content);
            }
            else if (model.TokenOf(id) is { } token && !(skipSpecialTokens && added.ByContent(token) is { Special: true }))
            {
                tokens.Add(token);
            }
        }
        // Without a decoder Hugging Face joins the tokens with spaces.
        return decoder is null ? string.Join(' ', tokens) : string.Concat(decoder.Decode(tokens));
    }

    /// <inheritdoc/>
    public int? IdOf(string token) => added.ByContent(token)?.Id ?? model.IdOf(token);

    /// <inheritdoc/>
    public string? TokenOf(int id) => added.ById(id)?.Content ?? model.TokenOf(id);

    /// <summary>Rust strings cannot hold unpaired surrogates; Hugging Face sees U+FFFD where .NET text has one.</summary>
    private static string WellFormed(string text)
    {
        if (!HasLoneSurrogate(text)) return text;
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes()) builder.Append(rune.ToString());
        return builder.ToString();
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }
}
