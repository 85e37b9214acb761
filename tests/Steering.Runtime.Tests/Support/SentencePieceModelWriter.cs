using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Steering.Tests.Support;

/// <summary>
/// Writes a SentencePiece BPE <c>tokenizer.model</c> for a tokenizer.json's vocabulary (each merged piece scored by its
/// merge's rank, which is how SentencePiece BPE orders merges), so that a folder with only tokenizer.model can be tested
/// against the Hugging Face ids of the same vocabulary.
/// </summary>
public static class SentencePieceModelWriter
{
    /// <summary>Writes a SentencePiece ModelProto (BPE, byte fallback, dummy prefix) for a tokenizer.json's vocabulary.</summary>
    public static void Write(string tokenizerJson, string path)
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

    public static void WriteMessage(CodedOutputStream proto, int field, System.Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var inner = new CodedOutputStream(buffer);
        write(inner);
        inner.Flush();
        proto.WriteTag(field, WireFormat.WireType.LengthDelimited);
        proto.WriteBytes(ByteString.CopyFrom(buffer.ToArray()));
    }
}
