namespace Steering.Tokenization;

/// <summary>One token of an encoded text: its id and its string as the vocabulary spells it (<c>Ġdog</c>, <c>▁dog</c>, <c>&lt;s&gt;</c>).</summary>
/// <param name="Id">The token id.</param>
/// <param name="Value">The token string.</param>
public readonly record struct Token(int Id, string Value);
