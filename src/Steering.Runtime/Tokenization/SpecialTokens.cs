namespace Steering.Tokenization;

/// <summary>A special token as the tokenizer files name it: its text (for chat templates) and its id (for the model).</summary>
/// <param name="Text">The token's text, such as <c>&lt;|begin_of_text|&gt;</c>.</param>
/// <param name="Id">The token's id.</param>
public sealed record SpecialToken(string Text, int Id);

/// <summary>
/// The special tokens a tokenizer folder names in <c>tokenizer_config.json</c> (or <c>special_tokens_map.json</c>):
/// null where the files name none.
/// </summary>
/// <param name="Bos">The beginning-of-sequence token (<c>bos_token</c>).</param>
/// <param name="Eos">The end-of-sequence token (<c>eos_token</c>); generation_config.json may list more EOS ids.</param>
/// <param name="Pad">The padding token (<c>pad_token</c>).</param>
/// <param name="Unk">The unknown token (<c>unk_token</c>).</param>
public sealed record SpecialTokens(SpecialToken? Bos, SpecialToken? Eos, SpecialToken? Pad, SpecialToken? Unk);
