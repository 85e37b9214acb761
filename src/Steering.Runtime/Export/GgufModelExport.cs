using System;
using Steering.Checkpoints.Gguf;
using static TorchSharp.torch;

namespace Steering.Export;

/// <summary>Writes a model as a GGUF file that llama.cpp (llama-server, Ollama, LM Studio) loads.</summary>
public static class GgufModelExport
{
    /// <summary>The llama.cpp file types (<c>general.file_type</c>, llama_ftype) of the types a model can be exported as.</summary>
    private static uint FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q8_0 => 7,
        GgmlType.BF16 => 32,
        _ => throw new ArgumentException($"a model cannot be exported as {type} (supported: F32, F16, BF16, Q8_0)", nameof(type)),
    };

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/> (atomically) with llama.cpp's tensor names, layouts and
    /// metadata for its architecture and the tokenizer it came with. Matrices are stored as <paramref name="type"/>;
    /// as llama.cpp's converter does, 1-D tensors, norms and position embeddings stay F32, and Q8_0 falls back to F16
    /// for rows that are not whole 32-value blocks. Fold steering into the model first (<see cref="WeightFolding"/>)
    /// to export a steered model.
    /// </summary>
    /// <exception cref="SteeringException">An architecture or setting llama.cpp lacks, or a tokenizer that does not fit the embedding.</exception>
    public static void Write(HookedTransformer model, string path, GgmlType type = GgmlType.F32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fileType = FileType(type);
        var architecture = ExportArchitecture.For(model);
        var writer = new GgufWriter()
            .Add("general.architecture", architecture.GgufArchitecture)
            .Add("general.name", model.Schema.Name)
            .Add("general.file_type", fileType)
            .Add("general.quantization_version", 2u);
        architecture.AddGgufMetadata(writer);
        AddChatTemplates(writer, model.Tokenizer);

        using var scope = NewDisposeScope();
        foreach (var tensor in architecture.GgufTensors())
            writer.AddTensor(tensor.Name, tensor.Values, StoredType(tensor, type));
        writer.Write(path);
    }

    /// <summary>
    /// The tokenizer's chat templates as the converter's SpecialVocab writes them (llama-server and Ollama read them):
    /// the default one as <c>tokenizer.chat_template</c>, others as <c>tokenizer.chat_template.NAME</c> listed in
    /// <c>tokenizer.chat_templates</c>.
    /// </summary>
    private static void AddChatTemplates(GgufWriter writer, Tokenization.TextTokenizer tokenizer)
    {
        var named = new System.Collections.Generic.List<string>();
        foreach (var (name, template) in tokenizer.ChatTemplates)
        {
            if (name == Chat.ChatTemplate.DefaultName)
            {
                writer.Add("tokenizer.chat_template", template);
                continue;
            }
            writer.Add($"tokenizer.chat_template.{name}", template);
            named.Add(name);
        }
        if (named.Count > 0) writer.Add("tokenizer.chat_templates", named.ToArray());
    }

    /// <summary>convert_hf_to_gguf.py's choice: F32 for 1-D tensors, norms, position embeddings and non-weights; else the file type.</summary>
    private static GgmlType StoredType(GgufTensor tensor, GgmlType type)
    {
        var name = tensor.Name;
        if (tensor.Values.dim() <= 1 || name.EndsWith("_norm.weight", StringComparison.Ordinal)
            || name.StartsWith("position_embd.", StringComparison.Ordinal) || !name.EndsWith(".weight", StringComparison.Ordinal))
            return GgmlType.F32;
        return type == GgmlType.Q8_0 && tensor.Values.shape[^1] % GgmlType.Q8_0.BlockSize() != 0 ? GgmlType.F16 : type;
    }
}
