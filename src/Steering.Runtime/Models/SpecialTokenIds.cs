using System.Collections.Generic;
using System.Linq;

namespace Steering.Models;

/// <summary>
/// The special token ids a model's files define: <c>bos_token_id</c>, <c>eos_token_id</c> (generation_config.json's,
/// an id or a list, over config.json's) and <c>pad_token_id</c>. Generation stops at any EOS; batches pad with PAD.
/// </summary>
/// <param name="Bos">The beginning-of-sequence token, or null.</param>
/// <param name="Eos">Every end-of-sequence token (empty when the files name none).</param>
/// <param name="Pad">The padding token, or null.</param>
public sealed record SpecialTokenIds(int? Bos, IReadOnlyList<int> Eos, int? Pad)
{
    /// <summary>The token left padding uses: PAD, else the first EOS, else 0 (padding is masked, so any id in the vocabulary works).</summary>
    public int PaddingId => Pad ?? (Eos.Count > 0 ? Eos[0] : 0);

    /// <summary>The ids as text for messages and <c>steer info</c>.</summary>
    public override string ToString() =>
        $"bos {Bos?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, eos [{string.Join(", ", Eos)}], pad {Pad?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";

    /// <summary>Value equality over the EOS list too.</summary>
    public bool Equals(SpecialTokenIds? other) =>
        other is not null && Bos == other.Bos && Pad == other.Pad && Eos.SequenceEqual(other.Eos);

    /// <inheritdoc/>
    public override int GetHashCode() => System.HashCode.Combine(Bos, Pad, Eos.Count);
}
