using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Steering.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer.json <c>BPE</c> model, merging exactly as Hugging Face's tokenizers does: each character a symbol (or
/// its UTF-8 bytes as <c>&lt;0xXX&gt;</c> tokens under <c>byte_fallback</c>, or the unknown token, fused under
/// <c>fuse_unk</c>), then the lowest-ranked mergeable pair, leftmost first, until none is left; under
/// <c>ignore_merges</c> a word the vocabulary holds whole is one token.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' BpeTokenizer has no <c>ignore_merges</c> or <c>byte_fallback</c> and takes merges as
/// space-separated lines, which cannot spell tokens that contain a space; Llama 3 and the SentencePiece-style files
/// need all three, so the merge loop is here (Hugging Face's word.rs, with a binary heap keyed by rank then position).
/// </remarks>
internal sealed class BytePairModel
{
    private const int CacheCapacity = 10_000;

    private readonly Dictionary<string, int> _vocabulary;

    private readonly Dictionary<int, string> _tokens;

    private readonly Dictionary<long, (int Rank, int Id)> _merges;

    private readonly int? _unknownId;

    private readonly string _prefix;

    private readonly string _suffix;

    private readonly bool _fuseUnknown;

    private readonly bool _byteFallback;

    private readonly bool _ignoreMerges;

    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private BytePairModel(Dictionary<string, int> vocabulary, Dictionary<long, (int, int)> merges, int? unknownId,
        string prefix, string suffix, bool fuseUnknown, bool byteFallback, bool ignoreMerges)
    {
        _vocabulary = vocabulary;
        _tokens = new Dictionary<int, string>(vocabulary.Count);
        foreach (var (token, id) in vocabulary) _tokens[id] = token;
        _merges = merges;
        _unknownId = unknownId;
        _prefix = prefix;
        _suffix = suffix;
        _fuseUnknown = fuseUnknown;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
    }

    /// <summary>Whether unknown characters become <c>&lt;0xXX&gt;</c> byte tokens.</summary>
    public bool ByteFallback => _byteFallback;

    /// <summary>The id of <c>unk_token</c>, or null when the model has none.</summary>
    public int? UnknownId => _unknownId;

    /// <summary>Reads a <c>"type": "BPE"</c> model.</summary>
    /// <exception cref="Steering.Checkpoints.CheckpointException">Dropout, a malformed vocabulary, or a merge naming a token the vocabulary lacks.</exception>
    public static BytePairModel Read(JsonNode node)
    {
        if (node.Optional("dropout") is { } dropout && !(dropout.Element.ValueKind == System.Text.Json.JsonValueKind.Number && dropout.Element.GetDouble() == 0))
            throw dropout.Error("BPE dropout makes tokenization random; a model's tokenizer has none");
        var vocabularyNode = node.Required("vocab");
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in vocabularyNode.Members()) vocabulary[token] = id.AsInt();

        var mergesNode = node.Required("merges");
        var prefix = node.String("continuing_subword_prefix") ?? "";
        var merges = new Dictionary<long, (int, int)>(mergesNode.Count, PairComparer.Instance);
        var rank = 0;
        foreach (var merge in mergesNode.Items())
        {
            var (left, right) = ReadMerge(merge);
            if (AddMerge(merges, vocabulary, left, right, rank++, prefix) is { } problem) throw merge.Error(problem);
        }
        return Create(vocabulary, merges, node.String("unk_token"), prefix, node.String("end_of_word_suffix") ?? "",
            node.Bool("fuse_unk", false), node.Bool("byte_fallback", false), node.Bool("ignore_merges", false), node);
    }

    /// <summary>
    /// A BPE from a vocabulary and merges read elsewhere (merges.txt, a SentencePiece model); each merge brings the
    /// error to throw when it names a token the vocabulary lacks.
    /// </summary>
    public static BytePairModel FromMerges(Dictionary<string, int> vocabulary, IEnumerable<(string Left, string Right, Func<string, Exception> Error)> merges,
        string? unknown = null, bool byteFallback = false, bool fuseUnknown = false)
    {
        var table = new Dictionary<long, (int, int)>(PairComparer.Instance);
        var rank = 0;
        foreach (var (left, right, error) in merges)
        {
            if (AddMerge(table, vocabulary, left, right, rank++, "") is { } problem) throw error(problem);
        }
        int? unknownId = unknown is null ? null : vocabulary[unknown];
        return new BytePairModel(vocabulary, table, unknownId, "", "", fuseUnknown, byteFallback, false);
    }

    private static BytePairModel Create(Dictionary<string, int> vocabulary, Dictionary<long, (int, int)> merges, string? unknown,
        string prefix, string suffix, bool fuseUnknown, bool byteFallback, bool ignoreMerges, JsonNode node)
    {
        int? unknownId = null;
        if (unknown is not null)
            unknownId = vocabulary.TryGetValue(unknown, out var id) ? id : throw node.Error($"unk_token \"{unknown}\" is not in the vocabulary");
        return new BytePairModel(vocabulary, merges, unknownId, prefix, suffix, fuseUnknown, byteFallback, ignoreMerges);
    }

    /// <summary>A merge as <c>"left right"</c> (older files) or <c>["left", "right"]</c>.</summary>
    private static (string, string) ReadMerge(JsonNode merge)
    {
        if (merge.Element.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            var text = merge.AsString();
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 && space == text.LastIndexOf(' ') && space < text.Length - 1 ? (text[..space], text[(space + 1)..])
                : throw merge.Error("a merge is two tokens separated by one space");
        }
        var items = new List<string>();
        foreach (var item in merge.Items()) items.Add(item.AsString());
        return items.Count == 2 ? (items[0], items[1]) : throw merge.Error("a merge is a pair of tokens");
    }

    /// <summary>Adds a merge (the first of duplicates wins); the problem when a token it names is not in the vocabulary.</summary>
    private static string? AddMerge(Dictionary<long, (int, int)> merges, Dictionary<string, int> vocabulary, string left, string right, int rank, string prefix)
    {
        var joined = left + (prefix.Length > 0 && right.StartsWith(prefix, StringComparison.Ordinal) ? right[prefix.Length..] : right);
        if (!vocabulary.TryGetValue(left, out var leftId)) return Missing(left);
        if (!vocabulary.TryGetValue(right, out var rightId)) return Missing(right);
        if (!vocabulary.TryGetValue(joined, out var joinedId)) return Missing(joined);
        merges.TryAdd(Pair(leftId, rightId), (rank, joinedId));
        return null;

        string Missing(string token) => $"the merge \"{left}\" + \"{right}\" names \"{token}\", which is not in the vocabulary";
    }

    private static long Pair(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>The id of <paramref name="token"/>, or null.</summary>
    public int? IdOf(string token) => _vocabulary.TryGetValue(token, out var id) ? id : null;

    /// <summary>The token of <paramref name="id"/>, or null.</summary>
    public string? TokenOf(int id) => _tokens.TryGetValue(id, out var token) ? token : null;

    /// <summary>The vocabulary: token string → id (GGUF export lists it).</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _vocabulary;

    /// <summary>The merges as token pairs, highest priority first (GGUF export writes them as <c>"left right"</c>).</summary>
    public IEnumerable<(string Left, string Right)> MergesByRank =>
        _merges.OrderBy(merge => merge.Value.Rank).Select(merge => (_tokens[(int)(merge.Key >> 32)], _tokens[(int)(uint)merge.Key]));

    /// <summary>The ids of one pre-tokenized word.</summary>
    public int[] Tokenize(string word)
    {
        if (word.Length == 0) return [];
        if (_ignoreMerges && _vocabulary.TryGetValue(word, out var whole)) return [whole];
        if (_cache.TryGetValue(word, out var cached)) return cached;
        var ids = Merge(word);
        if (_cache.Count < CacheCapacity) _cache.TryAdd(word, ids);
        return ids;
    }

    private int[] Merge(string word)
    {
        var symbols = new List<Symbol>(word.Length);
        (int Id, int Length)? unknown = null;
        void Add(int id, int length)
        {
            symbols.Add(new Symbol(id, symbols.Count - 1, -1, length));
            if (symbols.Count > 1) symbols[^2] = symbols[^2] with { Next = symbols.Count - 1 };
        }

        var index = 0;
        foreach (var rune in word.EnumerateRunes())
        {
            var character = rune.ToString();
            var length = rune.Utf8SequenceLength;
            var isFirst = index == 0;
            index += rune.Utf16SequenceLength;
            var isLast = index == word.Length;
            var spelled = (isFirst ? "" : _prefix) + character + (isLast ? _suffix : "");
            if (_vocabulary.TryGetValue(spelled, out var id))
            {
                if (unknown is { } pending) Add(pending.Id, pending.Length);
                unknown = null;
                Add(id, length);
                continue;
            }
            if (_byteFallback && ByteTokens(spelled) is { } bytes)
            {
                foreach (var b in bytes) Add(b, 1);
                continue;
            }
            if (_unknownId is not { } unknownId) continue;
            if (unknown is { } previous)
            {
                if (_fuseUnknown)
                {
                    unknown = (previous.Id, previous.Length + length);
                    continue;
                }
                Add(previous.Id, previous.Length);
            }
            unknown = (unknownId, length);
        }
        if (unknown is { } last) Add(last.Id, last.Length);

        var merged = symbols.ToArray();
        MergeAll(merged);
        var ids = new List<int>(merged.Length);
        foreach (var symbol in merged)
            if (symbol.Length > 0) ids.Add(symbol.Id);
        return ids.ToArray();
    }

    /// <summary>The <c>&lt;0xXX&gt;</c> ids of <paramref name="text"/>'s UTF-8 bytes, or null if one is missing.</summary>
    private int[]? ByteTokens(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!_vocabulary.TryGetValue($"<0x{bytes[i]:X2}>", out ids[i])) return null;
        }
        return ids;
    }

    /// <summary>
    /// Hugging Face's Word::merge_all: a queue of mergeable pairs by (rank, position); a merged-away symbol keeps its
    /// slot with length 0, and a queue entry whose pair has changed since it was queued is skipped.
    /// </summary>
    private void MergeAll(Symbol[] symbols)
    {
        var queue = new PriorityQueue<(int Position, int Id), long>();
        for (var i = 0; i + 1 < symbols.Length; i++)
        {
            if (_merges.TryGetValue(Pair(symbols[i].Id, symbols[i + 1].Id), out var merge))
                queue.Enqueue((i, merge.Id), Priority(merge.Rank, i));
        }
        while (queue.TryDequeue(out var top, out _))
        {
            var position = top.Position;
            var current = symbols[position];
            if (current.Length == 0 || current.Next == -1) continue;
            var right = symbols[current.Next];
            if (!_merges.TryGetValue(Pair(current.Id, right.Id), out var expected) || expected.Id != top.Id) continue;

            symbols[current.Next] = right with { Length = 0 };
            current = current with { Id = top.Id, Next = right.Next, Length = current.Length + right.Length };
            symbols[position] = current;
            if (right.Next >= 0) symbols[right.Next] = symbols[right.Next] with { Prev = position };

            if (current.Prev >= 0 && _merges.TryGetValue(Pair(symbols[current.Prev].Id, current.Id), out var before))
                queue.Enqueue((current.Prev, before.Id), Priority(before.Rank, current.Prev));
            if (current.Next >= 0 && _merges.TryGetValue(Pair(current.Id, symbols[current.Next].Id), out var after))
                queue.Enqueue((position, after.Id), Priority(after.Rank, position));
        }
    }

    private static long Priority(int rank, int position) => ((long)rank << 32) | (uint)position;

    /// <summary>
    /// Hashes a packed (left, right) pair with all 64 bits: long's own hash XORs the halves, so pairs with the same
    /// left ^ right collide, and hundreds of thousands of merges crawl.
    /// </summary>
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static PairComparer Instance { get; } = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long pair) => (int)((ulong)pair * 0x9E3779B97F4A7C15UL >> 32);
    }

    private readonly record struct Symbol(int Id, int Prev, int Next, int Length);
}
