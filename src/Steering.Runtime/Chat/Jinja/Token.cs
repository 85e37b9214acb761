namespace Steering.Chat.Jinja;

/// <summary>What a token is. Operators carry their spelling in <see cref="Token.Text"/>.</summary>
internal enum TokenKind
{
    /// <summary>Template text outside any tag, whitespace control already applied.</summary>
    Text,
    /// <summary><c>{{</c></summary>
    OutputBegin,
    /// <summary><c>}}</c></summary>
    OutputEnd,
    /// <summary><c>{%</c></summary>
    StatementBegin,
    /// <summary><c>%}</c></summary>
    StatementEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    EndOfTemplate,
}

/// <summary>One lexical unit; <see cref="Text"/> is the decoded value (string literals are unescaped).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourcePosition Position)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;

    public bool IsOperator(string spelling) => Kind == TokenKind.Operator && Text == spelling;

    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    /// <summary>How an error message names this token.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfTemplate => "the end of the template",
        TokenKind.OutputBegin => "'{{'",
        TokenKind.OutputEnd => "'}}'",
        TokenKind.StatementBegin => "'{%'",
        TokenKind.StatementEnd => "'%}'",
        TokenKind.Text => "template text",
        TokenKind.String => "a string",
        _ => $"'{Text}'",
    };
}
