namespace Steering.Schema;

/// <summary>The dimension names hook-point shapes are written in (TransformerLens's names).</summary>
public static class HookDims
{
    /// <summary>Sequences in a batch (varies).</summary>
    public const string Batch = "batch";
    /// <summary>Positions in a sequence (varies).</summary>
    public const string Pos = "pos";
    /// <summary>Query positions of an attention pattern (varies).</summary>
    public const string QueryPos = "q_pos";
    /// <summary>Key positions of an attention pattern (varies; includes cached positions).</summary>
    public const string KeyPos = "k_pos";
    /// <summary>Residual stream width.</summary>
    public const string DModel = "d_model";
    /// <summary>Query heads.</summary>
    public const string NHeads = "n_heads";
    /// <summary>Key/value heads.</summary>
    public const string NKvHeads = "n_kv_heads";
    /// <summary>Head width.</summary>
    public const string DHead = "d_head";
    /// <summary>MLP hidden width.</summary>
    public const string DMlp = "d_mlp";
    /// <summary>Vocabulary size.</summary>
    public const string DVocab = "d_vocab";
    /// <summary>Number of blocks (a size, never a tensor dimension).</summary>
    public const string NLayers = "n_layers";
    /// <summary>Context length (a size, never a tensor dimension).</summary>
    public const string NCtx = "n_ctx";

    /// <summary>True for the dimensions whose size changes from run to run.</summary>
    public static bool IsDynamic(string dimension) =>
        dimension is Batch or Pos or QueryPos or KeyPos;
}
