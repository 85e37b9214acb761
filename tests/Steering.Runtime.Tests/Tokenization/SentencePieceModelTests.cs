using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
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
        WriteModel(Path.Combine(TokenizerData.Folder("llama2"), "tokenizer.json"), folder.File("tokenizer.model"));
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
            WriteMessage(proto, 1, m => { m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString("<unk>"); });
            WriteMessage(proto, 2, m => { m.WriteTag(3, WireFormat.WireType.Varint); m.WriteInt32(1); });
            proto.Flush();
        }
        Assert.Contains("a SentencePiece Unigram model; only BPE models are supported",
            Assert.Throws<Steering.Checkpoints.CheckpointException>(() => TextTokenizer.Load(folder.Path)).Message);
    }

    /// <summary>Writes a SentencePiece ModelProto (BPE, byte fallback, dummy prefix) for a tokenizer.json's vocabulary.</summary>
    private static void WriteModel(string tokenizerJson, string path)
    {
        var model = JsonNode.Parse(File.ReadAllText(tokenizerJson))!["model"]!;
        var vocabulary = model["vocab"]!.AsObject().ToDictionary(p => p.Key, p => (int)p.Value!);
        var rankOf = new Dictionary<string, int>();
        var rank = 0;
        foreach (var merge in model["merges"]!.AsArray())
        {
            var parts = merge!.GetValueKind() == System.Text.Json.JsonValueKind.String ? ((string)merge!).Split(' ') : merge.AsArray().Select(p => (string)p!).ToArray();
            rankOf.TryAdd(parts[0] + parts[1], rank++);
        }
        var byId = vocabulary.ToDictionary(p => p.Value, p => p.Key);
        var size = vocabulary.Values.Max() + 1;

        using var output = File.Create(path);
        var proto = new CodedOutputStream(output);
        for (var id = 0; id < size; id++)
        {
            var known = byId.TryGetValue(id, out var piece);
            piece = known ? piece! : $"<unused{id}>";
            var type = !known ? 5 : piece is "<unk>" ? 2 : piece is "<s>" or "</s>" ? 3 : piece.StartsWith("<0x") && piece.Length == 6 ? 6 : 1;
            var score = rankOf.TryGetValue(piece, out var r) ? -r : -1e6f - id;
            WriteMessage(proto, 1, m =>
            {
                m.WriteTag(1, WireFormat.WireType.LengthDelimited);
                m.WriteString(piece);
                m.WriteTag(2, WireFormat.WireType.Fixed32);
                m.WriteFloat(score);
                m.WriteTag(3, WireFormat.WireType.Varint);
                m.WriteInt32(type);
            });
        }
        WriteMessage(proto, 2, m =>
        {
            m.WriteTag(3, WireFormat.WireType.Varint); m.WriteInt32(2); // model_type BPE
            m.WriteTag(4, WireFormat.WireType.Varint); m.WriteInt32(size); // vocab_size
            m.WriteTag(35, WireFormat.WireType.Varint); m.WriteBool(true); // byte_fallback
            m.WriteTag(40, WireFormat.WireType.Varint); m.WriteInt32(0); // unk_id
            m.WriteTag(41, WireFormat.WireType.Varint); m.WriteInt32(1); // bos_id
            m.WriteTag(42, WireFormat.WireType.Varint); m.WriteInt32(2); // eos_id
            m.WriteTag(43, WireFormat.WireType.Varint); m.WriteInt32(-1); // pad_id
        });
        WriteMessage(proto, 3, m =>
        {
            m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString("identity");
            m.WriteTag(3, WireFormat.WireType.Varint); m.WriteBool(true); // add_dummy_prefix
            m.WriteTag(4, WireFormat.WireType.Varint); m.WriteBool(false); // remove_extra_whitespaces
            m.WriteTag(5, WireFormat.WireType.Varint); m.WriteBool(true); // escape_whitespaces
        });
        proto.Flush();
    }

    private static void WriteMessage(CodedOutputStream proto, int field, System.Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var inner = new CodedOutputStream(buffer);
        write(inner);
        inner.Flush();
        proto.WriteTag(field, WireFormat.WireType.LengthDelimited);
        proto.WriteBytes(ByteString.CopyFrom(buffer.ToArray()));
    }
}
