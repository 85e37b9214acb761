using System.Collections.Generic;

namespace Steering.Tokenization;

/// <summary>What <see cref="TextTokenizer"/> needs from an engine: Hugging Face's pipeline, or a Microsoft.ML.Tokenizers tokenizer.</summary>
internal interface ITokenizerCore
{
    /// <summary>A short description for <c>steer info</c>.</summary>
    string Kind { get; }

    /// <summary>The tokens of <paramref name="text"/>, with the special tokens the files add when asked.</summary>
    IReadOnlyList<Token> Encode(string text, bool addSpecialTokens);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens);

    /// <summary>The id of a token string, or null.</summary>
    int? IdOf(string token);

    /// <summary>The token string of an id, or null.</summary>
    string? TokenOf(int id);
}
