using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Steering.Tests.Support;
using Steering.Tokenization;

namespace Steering.Tests.Tokenization;

/// <summary>
/// A folder with only <c>tokenizer.model</c> is converted as transformers converts it. The model here is written from
/// the Llama 2/Mistral test cut (its pieces, each merged piece scored by its merge's rank, which is how SentencePiece
/// BPE orders merges), so Hugging Face's ids and decoded texts for that cut are the expected ones — with the legacy
/// normalizer, and with the Metaspace pre-tokenizer when tokenizer_config.json says "legacy": false.
/// </summary>
public sealed class SentencePieceModelTests
{
    [Theory]
    [InlineData("llama2")]
    [InlineData("llama2-metaspace-first")]
    public void A_sentencepiece_model_gives_hugging_faces_ids_for_the_same_vocabulary(string reference)
    {
        using var folder = new TempDirectory();
        SentencePieceModelWriter.Write(Path.Combine(TokenizerData.Folder("llama2"), "tokenizer.json"), folder.File("tokenizer.model"));
        File.Copy(Path.Combine(TokenizerData.Folder(reference), "tokenizer_config.json"), folder.File("tokenizer_config.json"));
        var tokenizer = TextTokenizer.Load(folder.Path);
        Assert.Equal("SentencePiece BPE (tokenizer.model)", tokenizer.Kind);
        Assert.Equal(new SpecialToken("<s>", 1), tokenizer.SpecialTokens.Bos);
        var failures = new List<string>();
        foreach (var expected in TokenizerData.Expected(reference))
        {
            var ids = tokenizer.Encode(expected.Text);
            var text = System.Text.Json.JsonSerializer.Serialize(expected.Text);
            if (!ids.SequenceEqual(expected.Ids)) failures.Add($"{text}: expected [{string.Join(",", expected.Ids)}], got [{string.Join(",", ids)}]");
            if (tokenizer.Decode(expected.Ids) != expected.Decoded) failures.Add($"{text}: decoded {tokenizer.Decode(expected.Ids)}");
            if (tokenizer.Decode(expected.Ids, skipSpecialTokens: true) != expected.DecodedSkippingSpecialTokens) failures.Add($"{text}: decoded skipping {tokenizer.Decode(expected.Ids, true)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void A_unigram_sentencepiece_model_is_named_as_unsupported()
    {
        using var folder = new TempDirectory();
        using (var output = File.Create(folder.File("tokenizer.model")))
        {
            var proto = new CodedOutputStream(output);
            SentencePieceModelWriter.WriteMessage(proto, 1, m => { m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString("<unk>"); });
            SentencePieceModelWriter.WriteMessage(proto, 2, m => { m.WriteTag(3, WireFormat.WireType.Varint); m.WriteInt32(1); });
            proto.Flush();
        }
        Assert.Contains("a SentencePiece Unigram model; only BPE models are supported",
            Assert.Throws<Steering.Checkpoints.CheckpointException>(() => TextTokenizer.Load(folder.Path)).Message);
    }
}
