using System.Collections.Generic;

namespace Steering.Generation;

/// <summary>One decoding step of a batch: the token each sequence got, or null for a sequence that had already stopped.</summary>
/// <param name="Index">The step, from 0.</param>
/// <param name="TokenIds">Per sequence, the new token, or null once the sequence has stopped.</param>
/// <param name="Stopped">Per sequence, true once it has produced a stop token (this step included).</param>
public sealed record GenerationStep(int Index, IReadOnlyList<int?> TokenIds, IReadOnlyList<bool> Stopped);
