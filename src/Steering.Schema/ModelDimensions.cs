using System;
using System.Collections.Generic;

namespace Steering.Schema;

/// <summary>
/// The sizes of a decoder-only transformer, named as TransformerLens names them. Hook-point shapes are written in these
/// names (see <see cref="HookDims"/>), so a shape can be resolved to numbers with <see cref="SizeOf"/>.
/// </summary>
/// <param name="DModel">Width of the residual stream.</param>
/// <param name="NLayers">Number of transformer blocks.</param>
/// <param name="NHeads">Number of attention (query) heads.</param>
/// <param name="NKvHeads">Number of key/value heads (equal to <paramref name="NHeads"/> without grouped-query attention).</param>
/// <param name="DHead">Width of one attention head.</param>
/// <param name="DMlp">Width of the MLP's hidden layer.</param>
/// <param name="DVocab">Vocabulary size.</param>
/// <param name="NCtx">Longest sequence the model's positions support.</param>
public sealed record ModelDimensions(int DModel, int NLayers, int NHeads, int NKvHeads, int DHead, int DMlp, int DVocab, int NCtx)
{
    /// <summary>
    /// The size of a named dimension, or null for a dimension that varies from run to run
    /// (<see cref="HookDims.Batch"/>, <see cref="HookDims.Pos"/>, <see cref="HookDims.QueryPos"/>, <see cref="HookDims.KeyPos"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a dimension name.</exception>
    public int? SizeOf(string dimension) => dimension switch
    {
        HookDims.Batch or HookDims.Pos or HookDims.QueryPos or HookDims.KeyPos => null,
        HookDims.DModel => DModel,
        HookDims.NHeads => NHeads,
        HookDims.NKvHeads => NKvHeads,
        HookDims.DHead => DHead,
        HookDims.DMlp => DMlp,
        HookDims.DVocab => DVocab,
        _ => throw new ArgumentException($"'{dimension}' is not a dimension name.", nameof(dimension)),
    };

    /// <summary>A model of <paramref name="architecture"/> with these sizes, in words (messages naming a model's identity).</summary>
    public string Describe(string architecture) =>
        $"{architecture}, {NLayers} layers, d_model {DModel}, {NHeads} heads, d_mlp {DMlp}, vocab {DVocab}, n_ctx {NCtx}";

    /// <summary>The sizes by their schema names, in the order the schema file lists them.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Named() => new[]
    {
        new KeyValuePair<string, int>(HookDims.DModel, DModel),
        new KeyValuePair<string, int>(HookDims.NLayers, NLayers),
        new KeyValuePair<string, int>(HookDims.NHeads, NHeads),
        new KeyValuePair<string, int>(HookDims.NKvHeads, NKvHeads),
        new KeyValuePair<string, int>(HookDims.DHead, DHead),
        new KeyValuePair<string, int>(HookDims.DMlp, DMlp),
        new KeyValuePair<string, int>(HookDims.DVocab, DVocab),
        new KeyValuePair<string, int>(HookDims.NCtx, NCtx),
    };
}
