using Steering.Generation;

namespace Steering.Serving;

/// <summary>One step of a streamed request: the token the step produced and the text that became final with it.</summary>
/// <param name="TokenId">The new token; null when the step only ends the request (it produced a stop token).</param>
/// <param name="Text">
/// Text that is final as of this step, to append to what came before. It may be empty while the text so far ends in
/// half a multi-byte character or could be the start of a stop sequence; that text comes with a later chunk, or is
/// dropped if it turns out to be the stop sequence. Always empty when the model has no tokenizer.
/// </param>
/// <param name="StopReason">Set on the last chunk of the request: why it ended.</param>
public sealed record GenerationChunk(int? TokenId, string Text, StopReason? StopReason);
