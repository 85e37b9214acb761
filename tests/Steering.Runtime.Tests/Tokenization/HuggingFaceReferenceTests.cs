using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Steering.Tokenization;

namespace Steering.Tests.Tokenization;

/// <summary>
/// Every text of every test folder encodes to Hugging Face's ids (tokenizers 0.23.2, recorded in expected.json), with
/// and without special tokens, and decodes to Hugging Face's text, with and without skipping special tokens.
/// </summary>
public sealed class HuggingFaceReferenceTests
{
    public static TheoryData<string> Folders() => new(TokenizerData.Names);

    [Theory]
    [MemberData(nameof(Folders))]
    public void Encodes_and_decodes_every_text_as_hugging_face(string folder)
    {
        var tokenizer = TextTokenizer.Load(TokenizerData.Folder(folder));
        var failures = new List<string>();
        var cases = TokenizerData.Expected(folder);
        foreach (var expected in cases)
        {
            var tokens = tokenizer.EncodeToTokens(expected.Text);
            Check("ids", expected.Ids, tokens.Select(t => t.Id).ToArray());
            Check("tokens", expected.Tokens, tokens.Select(t => t.Value).ToArray());
            Check("ids without special tokens", expected.IdsWithoutSpecialTokens, tokenizer.Encode(expected.Text, addSpecialTokens: false));
            Check("decoded", expected.Decoded, tokenizer.Decode(expected.Ids));
            Check("decoded skipping special tokens", expected.DecodedSkippingSpecialTokens, tokenizer.Decode(expected.Ids, skipSpecialTokens: true));

            void Check<T>(string what, T want, T got)
            {
                if (JsonSerializer.Serialize(want) != JsonSerializer.Serialize(got))
                    failures.Add($"{JsonSerializer.Serialize(expected.Text)} {what}: expected {JsonSerializer.Serialize(want)}, got {JsonSerializer.Serialize(got)}");
            }
        }
        Assert.True(cases.Count > 40);
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures));
    }
}
