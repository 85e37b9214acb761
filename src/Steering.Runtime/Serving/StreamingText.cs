using System;
using System.Collections.Generic;
using Steering.Tokenization;

namespace Steering.Serving;

/// <summary>
/// The text of a continuation as its tokens arrive. It decodes the whole continuation each time — one token can end
/// halfway through a multi-byte character — and releases only text that is final: not a trailing partial character,
/// and not a tail that could still grow into a stop sequence. A stop sequence ends the text just before it.
/// </summary>
internal sealed class StreamingText(TextTokenizer? tokenizer, IReadOnlyList<string> stopSequences)
{
    private readonly List<int> _ids = new();
    private string _released = "";

    /// <summary>Adds a token; returns the text it released, and whether the text has reached a stop sequence.</summary>
    public string Add(int token, out bool stopped)
    {
        stopped = false;
        if (tokenizer is null) return "";
        _ids.Add(token);
        var text = tokenizer.Decode(_ids);
        var stop = FirstStop(text);
        if (stop >= 0)
        {
            stopped = true;
            return Release(text[..Math.Max(stop, _released.Length)]);
        }
        var final = text.TrimEnd('\uFFFD');
        return Release(final[..(final.Length - PossibleStopStart(final))]);
    }

    /// <summary>Everything not yet released (the request ended some other way than a stop sequence).</summary>
    public string Flush() => tokenizer is null ? "" : Release(tokenizer.Decode(_ids));

    /// <summary>What <paramref name="text"/> adds to the released text (nothing if the decoder changed what was released).</summary>
    private string Release(string text)
    {
        if (text.Length <= _released.Length || !text.StartsWith(_released, StringComparison.Ordinal)) return "";
        var added = text[_released.Length..];
        _released = text;
        return added;
    }

    /// <summary>Where the first stop sequence starts in <paramref name="text"/>, or -1.</summary>
    private int FirstStop(string text)
    {
        var first = -1;
        foreach (var stop in stopSequences)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /// <summary>The length of the longest tail of <paramref name="text"/> that is the start of some stop sequence.</summary>
    private int PossibleStopStart(string text)
    {
        var longest = 0;
        foreach (var stop in stopSequences)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.EndsWith(stop[..length], StringComparison.Ordinal))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
